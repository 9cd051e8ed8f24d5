// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Characters as the server counts them: code points, one per line break.
  function length(text) {
    return Array.from(text).length;
  }

  function bindCounter(textarea) {
    var counter = document.getElementById(textarea.dataset.counter);
    if (!counter) return;
    var max = parseInt(textarea.dataset.max, 10) || 280;
    function update() {
      var left = max - length(textarea.value);
      counter.textContent = String(left);
      counter.classList.toggle("warn", left <= 20 && left >= 0);
      counter.classList.toggle("over", left < 0);
      textarea.setAttribute("aria-invalid", left < 0 ? "true" : "false");
    }
    textarea.addEventListener("input", update);
    update();
  }

  function init(root) {
    root.querySelectorAll("textarea[data-counter]").forEach(bindCounter);
  }

  // htmx leaves the page as it was when an action is refused (it swaps only 2xx answers):
  // say why in the page's status region instead of failing silently.
  function announceRefusal(event) {
    var box = document.getElementById("messages");
    if (!box) return;
    var xhr = event.detail.xhr;
    var note = document.createElement("p");
    note.className = "message error";
    // A 429 answers htmx in plain text (twitterclone/limits.py); other errors are pages.
    note.textContent = xhr.status === 429 && xhr.responseText
      ? xhr.responseText
      : "That didn't work. Reload the page and try again.";
    box.replaceChildren(note);
  }

  document.addEventListener("DOMContentLoaded", function () {
    init(document);
    document.body.addEventListener("htmx:responseError", announceRefusal);
  });
})();
