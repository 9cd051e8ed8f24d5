"""Who to follow: accounts followed by the people the viewer follows (selector and services).

Ranked by how many of the viewer's followees follow each candidate, then by the candidate's
newest tweet (a real sign of activity; `users.updated_at` moves only when a profile is
edited). Never suggested: the viewer, accounts they follow or asked to follow, a block either
way, muted, suspended, dismissed (`SuggestionDismissal`) or private accounts. Protected
accounts are suggested, as Twitter does: following them sends a request.

Computing the ranking walks part of the graph, so its answer (ids only) is cached per viewer
for SUGGESTIONS_CACHE_SECONDS; every read re-reads those people through the rule
(`suggestable_q`), so a follow, block, mute or dismissal takes effect at once.

The second hop is raw SQL: a LATERAL with a LIMIT per followee is what bounds the scan, and
the ORM cannot say it (STYLE "Boundaries": raw SQL next to its measurement).
"""

from django.contrib.postgres.fields import ArrayField
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import BigIntegerField, Exists, F, OuterRef, Q, Value

from accounts.models import Privacy, User
from accounts.selectors import USER_COLUMNS
from twitterclone.expressions import EqualsAny
from twitterclone.statements import SENTINELS, statement

from .models import FollowRequest, SuggestionDismissal, UserFollows
from .selectors import ProfileAccess, Viewer, unmuted_q, user_get_visible, user_listed_q

MAX_SUGGESTIONS = 20
DEFAULT_SUGGESTIONS = 3
LIMIT_INVALID = f"Limit must be between 1 and {MAX_SUGGESTIONS}."
SUGGESTIONS_CACHE_SECONDS = 5 * 60
# The viewer's most recent follows sampled, and the follows read of each of them: at most
# 200 x 50 = 10,000 second-hop rows whatever the size of the graph.
SAMPLED_FOLLOWEES = 200
FOLLOWS_PER_FOLLOWEE = 50
# How many candidates (most mutuals, or most followers) are looked up and filtered.
CANDIDATE_POOL = 500

# What rules a candidate out, on a users row `u`, for viewer %(viewer)s: the same as
# suggestable_q, which decides again on every read (this copy only keeps the ranking from
# filling its top places with people the read would drop).
_EXCLUDED_SQL = """
    u.id <> %(viewer)s AND u.is_active AND u.privacy <> 'private'
    AND NOT EXISTS (SELECT FROM user_follows x
                    WHERE x.follower_id = %(viewer)s AND x.following_id = u.id)
    AND NOT EXISTS (SELECT FROM follow_requests x
                    WHERE x.target_id = u.id AND x.requester_id = %(viewer)s)
    AND NOT EXISTS (SELECT FROM blocks x
                    WHERE x.blocker_id = %(viewer)s AND x.blocked_id = u.id)
    AND NOT EXISTS (SELECT FROM blocks x
                    WHERE x.blocker_id = u.id AND x.blocked_id = %(viewer)s)
    AND NOT EXISTS (SELECT FROM mutes x WHERE x.muter_id = %(viewer)s AND x.muted_id = u.id)
    AND NOT EXISTS (SELECT FROM suggestion_dismissals x
                    WHERE x.user_id = %(viewer)s AND x.dismissed_id = u.id)
"""

# Friends of friends. user_follows has no index on (follower_id, created_at): the viewer's
# own follows are read whole and sorted (4,992 rows in 9 ms), then each sampled followee's
# follows are a LIMITed range of the primary key (follower_id, following_id), so in
# primary-key order: a fixed sample of what each one follows, not their newest follows,
# which would need that index or a read of every follow of theirs. The accounts the viewer
# already follows leave before the pool is cut (they are most of what followees follow);
# only the CANDIDATE_POOL with the most mutuals are then looked up, filtered and probed for
# their newest tweet (one index-only probe of idx_tweets_user_created each). Ties on the
# pool's edge go by id rather than activity.
#
# EXPLAIN ANALYZE on the seeded database (100,000 users, 10 M follows, 10 M tweets; a busy
# two-core machine, so read the proportions): a viewer following 4,992 accounts: 200
# followees x at most 50 = 6,241 hop rows, 3,899 after the viewer's own follows, 3,653
# candidates, 15-18 ms and 1,430 buffers (the incremental sort on mutuals looks up only the
# top group: 35 users rows, 35 tweet probes); a viewer following 101: 4-5 ms, 867 buffers.
# Filtering and probing every candidate before the cut took 145 ms and 57,800 buffers.
_FRIENDS_OF_FRIENDS_SQL = f"""
    WITH followees AS (
        SELECT following_id AS id FROM user_follows
        WHERE follower_id = %(viewer)s
        ORDER BY created_at DESC LIMIT %(followees)s
    ), candidates AS (
        SELECT hop.following_id AS id, count(*) AS mutuals
        FROM followees f
        CROSS JOIN LATERAL (
            SELECT following_id FROM user_follows
            WHERE follower_id = f.id LIMIT %(per_followee)s
        ) hop
        WHERE NOT EXISTS (SELECT FROM user_follows x
                          WHERE x.follower_id = %(viewer)s AND x.following_id = hop.following_id)
        GROUP BY hop.following_id
        ORDER BY mutuals DESC, hop.following_id
        LIMIT %(pool)s
    )
    SELECT u.id FROM candidates c JOIN users u ON u.id = c.id
    WHERE {_EXCLUDED_SQL}
    ORDER BY c.mutuals DESC,
        (SELECT t.created_at FROM tweets t WHERE t.user_id = u.id
         ORDER BY t.created_at DESC LIMIT 1) DESC NULLS LAST,
        u.id
    LIMIT %(count)s
"""

# For a viewer whose followees lead nowhere yet (a new account): the most followed accounts
# (followed by someone at all: an account nobody follows is no recommendation).
# No index on users.followers_count (accounts/0005 dropped one: it made every follow's counter
# update non-HOT), so the pool is a read of every users row keeping the top CANDIDATE_POOL
# (a top-N sort, no spill), and only those are filtered: 30-35 ms, 3,900 buffers at
# 100,000 users, against
# 97 ms when the exclusions ran before the sort (all 98,000 rows sorted, spilling to disk). It
# runs once per viewer per cache period, only for viewers short of friends of friends; past
# a few million accounts an index (or a periodically computed list) would be the fix.
_POPULAR_SQL = f"""
    WITH pool AS (
        SELECT id, followers_count FROM users
        WHERE is_active AND privacy <> 'private' AND followers_count > 0
        ORDER BY followers_count DESC, id LIMIT %(pool)s
    )
    SELECT u.id FROM pool p JOIN users u ON u.id = p.id
    WHERE {_EXCLUDED_SQL}
    ORDER BY p.followers_count DESC, u.id
    LIMIT %(count)s
"""


def _cache_key(viewer: Viewer) -> str:
    return f"suggestions:v1:{viewer.pk}"


def _ids_of(sql: str, params: dict) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def suggestion_ids_compute(*, viewer: User) -> list[int]:
    """Return up to MAX_SUGGESTIONS ids to suggest to `viewer`, best first (not cached)."""
    params = {
        "viewer": viewer.pk,
        "followees": SAMPLED_FOLLOWEES,
        "per_followee": FOLLOWS_PER_FOLLOWEE,
        "pool": CANDIDATE_POOL,
        "count": MAX_SUGGESTIONS,
    }
    ids = _ids_of(_FRIENDS_OF_FRIENDS_SQL, params)
    if len(ids) < MAX_SUGGESTIONS:
        popular = _ids_of(_POPULAR_SQL, params)
        ids += [pk for pk in popular if pk not in set(ids)][: MAX_SUGGESTIONS - len(ids)]
    return ids


def suggestable_q(*, viewer: User) -> Q:
    """Match the users who may be suggested to `viewer` now (the rule, plus the graph)."""
    return (
        user_listed_q(viewer=viewer)
        & unmuted_q(viewer=viewer)
        # Staff pass user_listed_q for suspended accounts; nobody is suggested one.
        & Q(is_active=True)
        & ~Q(privacy=Privacy.PRIVATE)
        & ~Q(pk=viewer.pk)
        & ~Exists(UserFollows.objects.filter(follower_id=viewer.pk, following_id=OuterRef("pk")))
        & ~Exists(FollowRequest.objects.filter(target_id=OuterRef("pk"), requester_id=viewer.pk))
        & ~Exists(
            SuggestionDismissal.objects.filter(user_id=viewer.pk, dismissed_id=OuterRef("pk"))
        )
    )


def _limit_clean(limit) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_SUGGESTIONS:
        raise ValidationError({"limit": [LIMIT_INVALID]})
    return limit


def suggestions_for(*, viewer: Viewer, limit: int = DEFAULT_SUGGESTIONS) -> list[User]:
    """Return up to `limit` (1 to MAX_SUGGESTIONS) people to suggest to `viewer`, best first.

    Each has `.access` (profile_access's answer). One query when the ids are cached; the
    ranking (suggestion_ids_compute) runs at most once per viewer per cache period.
    """
    limit = _limit_clean(limit)
    if not viewer.is_authenticated:
        return []
    key = _cache_key(viewer)
    ids = cache.get(key)
    if ids is None:
        ids = suggestion_ids_compute(viewer=viewer)
        cache.set(key, ids, SUGGESTIONS_CACHE_SECONDS)
    if not ids:
        return []
    people = _suggestable_among(viewer=viewer, ids=ids)
    shown = [people[pk] for pk in ids if pk in people][:limit]
    for person in shown:
        # Never followed and never private (suggestable_q): a public account shows all, a
        # protected one its card, exactly as social.selectors.profile_access would answer.
        public = person.privacy == Privacy.PUBLIC
        person.access = ProfileAccess.FULL if public else ProfileAccess.CARD
    return shown


def _suggestable_among(*, viewer: User, ids: list[int]) -> dict[int, User]:
    """Return the users among `ids` that suggestable_q lets through now, by id.

    On every signed-in page (the "Who to follow" box): the statement is compiled once per
    kind of viewer (twitterclone.statements) and the rule runs fresh each time.
    """

    def build(stand_in) -> None:
        among = Value([SENTINELS[0]], output_field=ArrayField(BigIntegerField()))
        users = User.objects.filter(EqualsAny(F("pk"), among), suggestable_q(viewer=stand_in))
        list(users.values_list(*USER_COLUMNS))

    rows = statement(("social.suggestable_among",), viewer, build).run(viewer, list(ids))
    people = (User.from_db(connection.alias, USER_COLUMNS, row) for row in rows)
    return {person.pk: person for person in people}


@transaction.atomic
def suggestion_dismiss(*, user: User, username: str) -> None:
    """Never suggest `username` to `user` again (idempotent).

    Raise User.DoesNotExist for an account that does not exist for `user` (404).
    """
    dismissed = user_get_visible(viewer=user, username=username)
    if dismissed.pk == user.pk:
        return  # never suggested anyway
    SuggestionDismissal.objects.bulk_create(
        [SuggestionDismissal(user=user, dismissed=dismissed)], ignore_conflicts=True
    )
