// Progressive enhancement of the compose box's image slots (templates/tweets/_compose_media.html).
// Without this file the form posts its four file inputs and descriptions as they are. With it:
// one picker (and paste, and drag and drop) fills the free slots, each filled slot shows its
// preview, a remove button and its description field, and a form with images is sent with
// XMLHttpRequest so a progress bar can show the upload.
(function () {
  "use strict";

  function enhance(box) {
    if (box.dataset.enhanced) return;
    box.dataset.enhanced = "1";
    var form = box.closest("form");
    var slots = Array.prototype.slice.call(box.querySelectorAll(".media-slot"));
    var progress = box.querySelector(".media-progress");
    box.classList.add("js-media");

    var picker = document.createElement("input");
    picker.type = "file";
    picker.multiple = true;
    picker.accept = slots[0].querySelector("input[type=file]").accept;
    picker.className = "sr-only";
    picker.id = box.id ? box.id + "-picker" : "media-picker-" + Math.random().toString(36).slice(2);
    var pick = document.createElement("label");
    pick.className = "btn btn-outline media-pick";
    pick.htmlFor = picker.id;
    pick.textContent = "Add images";
    var status = document.createElement("p");
    status.className = "media-status";
    status.setAttribute("role", "status");
    // After the legend, which must stay the fieldset's first element to render as its caption.
    box.querySelector("legend").after(picker, pick, status);

    function input(slot) { return slot.querySelector("input[type=file]"); }
    function free() { return slots.filter(function (slot) { return !input(slot).files.length; }); }

    function render(slot) {
      var file = input(slot).files[0];
      var old = slot.querySelector(".media-preview");
      if (old) old.remove();
      slot.classList.toggle("filled", Boolean(file));
      if (!file) return;
      var preview = document.createElement("div");
      preview.className = "media-preview";
      var img = document.createElement("img");
      img.alt = "";
      img.src = URL.createObjectURL(file);
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "btn btn-outline media-remove";
      remove.textContent = "Remove";
      remove.setAttribute("aria-label", "Remove image " + slot.dataset.slot);
      remove.addEventListener("click", function () {
        input(slot).value = "";
        slot.querySelector("textarea").value = "";
        render(slot);
        pick.focus();
      });
      preview.appendChild(img);
      preview.appendChild(remove);
      slot.insertBefore(preview, slot.firstChild);
    }

    function add(files) {
      var open = free();
      var taken = 0;
      Array.prototype.forEach.call(files, function (file) {
        if (!/^image\//.test(file.type) && file.type !== "") return;
        var slot = open[taken];
        if (!slot) return;
        var list = new DataTransfer();
        list.items.add(file);
        input(slot).files = list.files;
        render(slot);
        taken += 1;
      });
      status.textContent = taken < files.length ? "At most 4 images per tweet." : "";
    }

    picker.addEventListener("change", function () { add(picker.files); picker.value = ""; });
    slots.forEach(function (slot) {
      input(slot).addEventListener("change", function () { render(slot); });
    });
    form.addEventListener("paste", function (event) {
      var files = event.clipboardData && event.clipboardData.files;
      if (files && files.length) { event.preventDefault(); add(files); }
    });
    form.addEventListener("dragover", function (event) {
      if (event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types, "Files") >= 0) {
        event.preventDefault();
        form.classList.add("dragging");
      }
    });
    form.addEventListener("dragleave", function () { form.classList.remove("dragging"); });
    form.addEventListener("drop", function (event) {
      form.classList.remove("dragging");
      if (event.dataTransfer && event.dataTransfer.files.length) {
        event.preventDefault();
        add(event.dataTransfer.files);
      }
    });

    form.addEventListener("submit", function (event) {
      if (free().length === slots.length || !window.FormData) return;  // no images: as usual
      event.preventDefault();
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action || window.location.href);
      progress.hidden = false;
      progress.value = 0;
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) progress.value = Math.round((100 * e.loaded) / e.total);
      });
      xhr.addEventListener("load", function () {
        var sent = new URL(form.action || window.location.href, window.location.href);
        var landed = new URL(xhr.responseURL || sent.href);
        if (xhr.status < 400 && landed.pathname + landed.search !== sent.pathname + sent.search) {
          window.location.assign(landed.href);  // posted: the redirect's page
        } else {
          document.open();  // refused: the page with the form's errors
          document.write(xhr.responseText);
          document.close();
        }
      });
      xhr.addEventListener("error", function () {
        progress.hidden = true;
        status.textContent = "The upload failed. Check the connection and try again.";
      });
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
      xhr.send(new FormData(form));
    });
  }

  function init() {
    document.querySelectorAll("[data-compose-media]").forEach(enhance);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
