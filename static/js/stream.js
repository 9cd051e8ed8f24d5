// Live updates over Server-Sent Events (docs/api.md "Live updates"). Progressive
// enhancement only: without this file, or without EventSource, every page works as before.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !window.EventSource) return;
  var streamUrl = script.dataset.streamUrl;
  var newTweetsUrl = script.dataset.newTweetsUrl;
  var MAX_PENDING = 50;

  // The tweet a card counts (a plain retweet's card counts its original): its reply link
  // points at /@user/status/<id> of the counted tweet.
  function countedId(footer) {
    var reply = footer.querySelector("a.act-reply");
    var match = reply && /\/status\/(\d+)/.exec(reply.getAttribute("href"));
    return match ? match[1] : null;
  }

  function footersOf(id) {
    return Array.prototype.filter.call(document.querySelectorAll("footer.actions"), function (f) {
      return countedId(f) === String(id);
    });
  }

  function subscribedIds() {
    var ids = [];
    document.querySelectorAll("footer.actions").forEach(function (footer) {
      var id = countedId(footer);
      if (id && ids.indexOf(id) < 0 && ids.length < 200) ids.push(id);
    });
    return ids;
  }

  function setBadge(count) {
    var link = document.querySelector('nav a[href$="/notifications"]');
    if (!link) return;
    link.querySelectorAll(".badge, .badge-sr").forEach(function (el) { el.remove(); });
    link.querySelectorAll(".sr-only").forEach(function (el) {
      if (/unread notification/.test(el.textContent)) el.remove();
    });
    if (!count) return;
    var shown = count >= 100 ? "99+" : String(count);
    var badge = document.createElement("span");
    badge.className = "badge";
    badge.setAttribute("aria-hidden", "true");
    badge.textContent = shown;
    var spoken = document.createElement("span");
    spoken.className = "sr-only badge-sr";
    spoken.textContent = ", " + shown + " unread notification" + (count === 1 ? "" : "s");
    link.appendChild(badge);
    link.appendChild(spoken);
  }

  var bar = document.getElementById("new-tweets");
  var pending = [];
  var mustReload = false;

  function showBar() {
    if (!bar) return;
    var button = bar.querySelector("button");
    if (mustReload || pending.length > MAX_PENDING) {
      button.textContent = "New tweets: reload the page";
    } else {
      button.querySelector(".new-tweets-count").textContent = String(pending.length);
      button.firstChild.textContent = "Show ";
      button.lastChild.textContent = pending.length === 1 ? " new tweet" : " new tweets";
    }
    bar.hidden = pending.length === 0 && !mustReload;
  }

  function insertPending() {
    if (mustReload || pending.length > MAX_PENDING) {
      window.location.reload();
      return;
    }
    var ids = pending.slice();
    pending = [];
    showBar();
    fetch(newTweetsUrl + "?ids=" + ids.join(","), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        var feed = document.querySelector(".feed");
        if (!feed || !html.trim()) return;
        var empty = feed.querySelector(".empty");
        if (empty) empty.remove();
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var cards = Array.prototype.slice.call(holder.children);
        cards.reverse().forEach(function (card) {
          var id = card.dataset && card.dataset.tweetId;
          if (id && feed.querySelector('[data-tweet-id="' + id + '"]')) return;
          feed.insertBefore(card, feed.firstChild);
        });
        if (window.htmx) window.htmx.process(feed);
      });
  }

  if (bar) bar.querySelector("button").addEventListener("click", insertPending);

  var ids = subscribedIds();
  var url = streamUrl + (ids.length ? "?tweets=" + ids.join(",") : "");
  var source = new EventSource(url, { withCredentials: true });

  source.addEventListener("hello", function () {
    document.body.dataset.stream = "live";
  });
  source.addEventListener("error", function () {
    if (source.readyState !== EventSource.OPEN) document.body.dataset.stream = "connecting";
  });
  source.addEventListener("tweet", function (event) {
    if (!bar) return;
    var data = JSON.parse(event.data);
    var id = String(data.tweet_id);
    if (pending.indexOf(id) >= 0 || document.querySelector('[data-tweet-id="' + id + '"]')) return;
    pending.push(id);
    showBar();
  });
  source.addEventListener("notification", function (event) {
    setBadge(JSON.parse(event.data).unread_count);
  });
  source.addEventListener("counts", function (event) {
    var data = JSON.parse(event.data);
    footersOf(data.tweet_id).forEach(function (footer) {
      // Reply, retweet and like counts, in that order in every action bar.
      var counts = footer.querySelectorAll(".count");
      var values = [data.reply_count, data.retweet_count, data.like_count];
      for (var i = 0; i < counts.length && i < 3; i++) counts[i].textContent = String(values[i]);
    });
  });
  source.addEventListener("delete", function (event) {
    var id = String(JSON.parse(event.data).tweet_id);
    pending = pending.filter(function (p) { return p !== id; });
    showBar();
    document.querySelectorAll('article.tweet[data-tweet-id="' + id + '"]').forEach(function (card) {
      card.remove();
    });
  });
  source.addEventListener("reload", function () {
    mustReload = true;
    showBar();
  });
})();
