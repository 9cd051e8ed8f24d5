"""HTML pages for discovery: explore (newest tweets, trending tags) and search.

The same selectors as search/api; tweet and people cards are the tweets and social templates.
"""

from tweets.selectors import tweets_recent
from twitterclone.web import list_page, page_or_404

from .selectors import MAX_QUERY_LENGTH, hashtags_trending, tweets_search, users_search


def explore(request):
    """Show the newest tweets anyone may see and the trending hashtags."""
    cursor = request.GET.get("cursor")
    page = page_or_404(tweets_recent, viewer=request.user, cursor=cursor)
    context = {"page": page, "trending": [] if cursor else hashtags_trending()}
    return list_page(request, "search/explore.html", context, partial="tweets/_page.html")


def search(request):
    """Search tweets (full text) or people (name prefix); the same rule hides what it must."""
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    kind = "people" if request.GET.get("type") == "people" else "tweets"
    loader = users_search if kind == "people" else tweets_search
    cursor = request.GET.get("cursor") or None
    page = page_or_404(loader, viewer=request.user, query=query, cursor=cursor)
    context = {"page": page, "q": query, "type": kind}
    partial = "social/_people_page.html" if kind == "people" else "tweets/_page.html"
    return list_page(request, "search/search.html", context, partial=partial)
