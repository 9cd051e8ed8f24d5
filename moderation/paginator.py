"""A changelist paginator that never counts a whole large table."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

# 100 pages of the admin's 100 rows. Past that a moderator narrows with a filter or search;
# it also bounds the OFFSET of the deepest page.
COUNT_CAP = 10_000


class CappedCountPaginator(Paginator):
    """Count at most COUNT_CAP rows: SELECT count(*) FROM (SELECT ... LIMIT COUNT_CAP + 1).

    The count then costs what reading COUNT_CAP rows of the page's own index costs, whatever
    the size of the table. `capped` tells the template to show "10000+".
    """

    cap = COUNT_CAP

    @cached_property
    def count(self) -> int:
        counted = self.object_list[: self.cap + 1].count()
        self.capped = counted > self.cap
        return min(counted, self.cap)

    capped = False
