"""The HTML side of live updates: the new tweets the "Show N new tweets" bar inserts."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tweets.cards import tweets_by_ids

# The bar inserts at most this many; past it, it offers to reload the page instead.
MAX_NEW_TWEETS = 50
IDS_INVALID = f"Give at most {MAX_NEW_TWEETS} tweet ids, separated by commas."


@require_GET
@login_required
def new_tweets(request):
    """Render the home timeline cards of `ids` the viewer may see, newest first."""
    parts = [part for part in request.GET.get("ids", "").split(",") if part]
    if len(parts) > MAX_NEW_TWEETS or not all(p.isascii() and p.isdigit() for p in parts):
        return HttpResponseBadRequest(IDS_INVALID, content_type="text/plain")
    ids = sorted({int(part) for part in parts if 0 < int(part) < 2**63})
    cards = tweets_by_ids(viewer=request.user, ids=ids, unmuted=True) if ids else {}
    tweets = sorted(cards.values(), key=lambda t: (t.created_at, t.pk), reverse=True)
    return render(request, "stream/_new_tweets.html", {"tweets": tweets})
