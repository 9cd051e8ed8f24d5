"""A bounded, per-process map from everything a fragment's rendering reads to its HTML.

Issue 17: the HTML pages spent about 90 % of their CPU in the template engine, twenty tweet
cards of includes, `{% url %}`s and filters each. A card is cached under a key made of every
input its templates read (the tweet's, its author's, its original's and that author's
loaded columns, the viewer's flags on it, whether the viewer wrote it, the page's `next`,
the rendered age): a change to any of them is another key, so an entry can never be stale,
only unused (and pushed out by newer ones). Nothing in a key or an entry is a privacy
decision: the visibility rule still picks the tweets of every page, per request, and the
card of a tweet the rule hides is never asked for. The per-request CSRF token is never
cached: entries hold a slot that each response fills with its own token.

`RENDER_CACHES = False` (environment `RENDER_CACHES=off`) turns every such cache off.
"""

import contextlib
from collections import OrderedDict

from django.conf import settings


def render_caches_on() -> bool:
    return getattr(settings, "RENDER_CACHES", True)


class RenderCache:
    """Keep the most recently used `max_entries` renderings; a thread-safe enough LRU.

    Under the GIL each dict operation is atomic; two threads rendering the same key both
    render it and one result wins, which is the same string.
    """

    def __init__(self, max_entries: int):
        self.max_entries = max_entries
        self._entries: OrderedDict = OrderedDict()
        self.hits = self.misses = 0

    def get(self, key):
        try:
            value = self._entries[key]
        except KeyError:
            self.misses += 1
            return None
        with contextlib.suppress(KeyError):  # pushed out by another thread meanwhile
            self._entries.move_to_end(key)
        self.hits += 1
        return value

    def set(self, key, value) -> None:
        self._entries[key] = value
        while len(self._entries) > self.max_entries:
            try:
                self._entries.popitem(last=False)
            except KeyError:  # emptied by another thread
                break

    def clear(self) -> None:
        self._entries.clear()
        self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)
