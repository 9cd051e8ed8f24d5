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

  document.addEventListener("DOMContentLoaded", function () {
    init(document);
  });
})();
