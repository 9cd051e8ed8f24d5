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

  // The one polite live region (base.html). Emptied first, so the same words twice are read
  // twice. Other scripts announce with: document.dispatchEvent(new CustomEvent("tc:announce",
  // {detail: "3 new notifications"})).
  var announceTimer = null;
  function announce(text) {
    var region = document.getElementById("announcer");
    if (!region || !text) return;
    region.textContent = "";
    clearTimeout(announceTimer);
    announceTimer = setTimeout(function () { region.textContent = text; }, 50);
  }

  // htmx swaps replace the control a person just used (the like button, the follow button,
  // "Load more"), and focus would fall to the page body. Before the swap remember which
  // control it was (its data-focus-key names it: like-<tweet id>, follow-<user id> ...;
  // "Load more" is the one in .load-more); when the new HTML is in, focus its equivalent
  // there and announce the new state (its data-announce).
  var FOCUSABLE = "a[href], button:not([disabled]), input:not([type=hidden]), textarea, select, summary";
  var pending = null;

  function controlOf(elt) {
    if (!elt || !elt.closest) return null;
    if (elt.closest(".load-more")) return { key: "load-more", selector: ".load-more a" };
    var control = elt.matches("[data-focus-key]") ? elt : elt.querySelector("[data-focus-key]");
    if (!control) return null;
    var key = control.getAttribute("data-focus-key");
    return { key: key, selector: '[data-focus-key="' + CSS.escape(key) + '"]' };
  }

  function rememberControl(event) {
    var control = controlOf(event.detail.requestConfig && event.detail.requestConfig.elt);
    var target = event.detail.target;
    var active = document.activeElement;
    if (!control || !event.detail.shouldSwap) { pending = null; return; }
    control.hadFocus = !!(target && active && active !== document.body && target.contains(active));
    // For "Load more": the first card that was not on the page yet, should the list end.
    control.before = document.querySelectorAll("article.tweet, li.notification, li.person").length;
    pending = control;
  }

  function restoreControl(event) {
    if (!pending) return;
    var root = event.detail.elt;
    if (!root || !root.querySelector) return;
    var found = root.matches(pending.selector) ? root : root.querySelector(pending.selector);
    if (!found) return;
    var done = pending;
    pending = null;
    if (done.hadFocus) found.focus();
    announce(found.getAttribute("data-announce") || (done.key === "load-more" ? "More loaded" : ""));
  }

  // No equivalent came back (the last page of a list has no "Load more"): focus the first
  // new item's first link instead of the body.
  function settleWithoutControl() {
    if (!pending) return;
    var done = pending;
    pending = null;
    if (done.key !== "load-more") return;
    var items = document.querySelectorAll("article.tweet, li.notification, li.person");
    var first = items[done.before];
    var link = first && first.querySelector(FOCUSABLE);
    if (link && done.hadFocus) link.focus();
    announce("Everything is loaded");
  }

  // An action that removes its own item (delete a tweet, dismiss a suggestion, answer a follow
  // request: the form carries data-removed, the answer is empty) takes the focused control
  // away with it. Move focus to the next item of the same list (else the previous one, else
  // the list's heading) and say what happened, instead of leaving it on the page body.
  var ITEM_KINDS = ["article.tweet", "li.suggestion", "li.request"];
  var removal = null;

  function firstFocusable(root) {
    var candidates = root.querySelectorAll(FOCUSABLE);
    for (var i = 0; i < candidates.length; i++) {
      var el = candidates[i];
      if (el.getAttribute("tabindex") === "-1" || el.closest("[aria-hidden=true]")) continue;
      return el;
    }
    return null;
  }

  function rememberRemoval(event) {
    removal = null;
    var form = event.detail.requestConfig && event.detail.requestConfig.elt;
    var target = event.detail.target;
    if (!form || !form.closest || !form.hasAttribute("data-removed") || !target) return;
    var kind = ITEM_KINDS.filter(function (selector) { return target.matches(selector); })[0];
    if (!kind) return;
    var active = document.activeElement;
    var container = target.parentElement.closest("ul, ol, section, main") || document.body;
    var items = Array.prototype.slice.call(container.querySelectorAll(kind));
    var at = items.indexOf(target);
    removal = {
      hadFocus: !!(active && target.contains(active)),
      next: items.slice(at + 1),
      previous: items.slice(0, at).reverse(),
      container: container,
      message: form.getAttribute("data-removed"),
    };
  }

  function settleRemoval() {
    if (!removal) return;
    var done = removal;
    removal = null;
    announce(done.message);
    var active = document.activeElement;
    if (!done.hadFocus || (active && active !== document.body && document.body.contains(active))) return;
    var goal = null;
    done.next.concat(done.previous).some(function (item) {
      goal = document.body.contains(item) ? firstFocusable(item) : null;
      return goal;
    });
    if (!goal) {
      goal = done.container.querySelector("h1, h2") || document.querySelector("main h1, h1");
      if (goal && !goal.hasAttribute("tabindex")) goal.setAttribute("tabindex", "-1");
    }
    if (goal) goal.focus();
  }

  document.addEventListener("DOMContentLoaded", function () {
    init(document);
    document.body.addEventListener("htmx:beforeSwap", rememberRemoval);
    // Not afterSettle: an empty swap settles no element. htmx fires afterRequest again on the
    // nearest ancestor still in the page when the requesting form went with the swap.
    document.body.addEventListener("htmx:afterRequest", settleRemoval);
    document.body.addEventListener("htmx:responseError", announceRefusal);
    document.body.addEventListener("htmx:beforeSwap", rememberControl);
    document.body.addEventListener("htmx:load", restoreControl);
    document.body.addEventListener("htmx:afterSettle", settleWithoutControl);
    document.addEventListener("tc:announce", function (event) { announce(event.detail); });
  });
})();
