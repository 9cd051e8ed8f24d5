"""Reads for the social graph, and the one visibility rule every read path calls.

The rule (docs/architecture.md, "Privacy") is written once, as Q objects over a user row:

- `user_visible_q`: the user exists for the viewer (not suspended unless the viewer is
  staff; no block in either direction). Otherwise every surface answers 404.
- `content_visible_q`: the viewer may see the user's tweets and lists (public account, the
  owner, or an approved follower), on top of `user_visible_q`.
- `user_listed_q`: the user may appear in lists, search and suggestions (private accounts
  only to those who may see their content).
- `profile_visible_q`: the user's profile answers (as a card at most) although the viewer
  blocked them, so the blocker can see whom they blocked and undo it; never when the user
  blocked the viewer.

Mutes are not part of the rule: a muted account stays visible (profile, direct links); it
only leaves the muter's lists. `unmuted_q` and `muted_word_pattern` are the mute filters'
building blocks (tweets.visibility.tweet_unmuted_q puts them together for tweets).

Querysets of other models pass `prefix` (e.g. "user__" for tweets); single-object checks
run the same Q against one row, so Python and SQL can never disagree.
"""

import re
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Now

from accounts.models import Privacy, User
from accounts.selectors import USER_COLUMNS
from twitterclone.pagination import Page, keyset_page
from twitterclone.statements import SENTINELS, TEXT_SENTINEL, statement

from .models import Block, FollowRequest, Mute, MutedWord, UserFollowers, UserFollows

Viewer = User | AnonymousUser


def _is_staff(viewer: Viewer) -> bool:
    return bool(viewer.is_authenticated and viewer.is_staff)


def _not_blocking_viewer_q(*, viewer: Viewer, prefix: str) -> Q:
    """Match users that are active (or viewer is staff) and have not blocked `viewer`."""
    condition = Q() if _is_staff(viewer) else Q(**{f"{prefix}is_active": True})
    if viewer.is_authenticated:
        user_id = OuterRef(f"{prefix}pk")
        condition &= ~Exists(Block.objects.filter(blocker_id=user_id, blocked_id=viewer.pk))
    return condition


def _blocked_by_viewer(*, viewer: User, prefix: str) -> Exists:
    return Exists(Block.objects.filter(blocker_id=viewer.pk, blocked_id=OuterRef(f"{prefix}pk")))


def user_visible_q(*, viewer: Viewer, prefix: str = "") -> Q:
    """Match users that exist for `viewer`: active (or viewer is staff) and not blocked."""
    condition = _not_blocking_viewer_q(viewer=viewer, prefix=prefix)
    if viewer.is_authenticated:
        condition &= ~_blocked_by_viewer(viewer=viewer, prefix=prefix)
    return condition


def profile_visible_q(*, viewer: Viewer, prefix: str = "") -> Q:
    """Match users whose profile (a card at most, see profile_access) answers for `viewer`.

    Like user_visible_q, except that the viewer's own block does not hide the profile: the
    blocker sees whom they blocked and can undo it. The one blocked still sees nothing.
    """
    return _not_blocking_viewer_q(viewer=viewer, prefix=prefix)


def _content_open_q(*, viewer: Viewer, prefix: str) -> Q:
    condition = Q(**{f"{prefix}privacy": Privacy.PUBLIC})
    if viewer.is_authenticated:
        condition |= Q(**{f"{prefix}pk": viewer.pk})
        # "Does the viewer follow this author" from the viewer's side (user_follows, primary key
        # (follower_id, following_id)): a probe per row, and when the planner hashes the
        # subquery for a long list it reads the viewer's own follows, an index range, instead
        # of every user_followers row (10 M at 100k users; docs/performance.md).
        condition |= Exists(
            UserFollows.objects.filter(follower_id=viewer.pk, following_id=OuterRef(f"{prefix}pk"))
        )
    return condition


def unmuted_q(*, viewer: Viewer, prefix: str = "") -> Q:
    """Match users `viewer` has not muted (everyone, for a signed-out viewer)."""
    if not viewer.is_authenticated:
        return Q()
    return ~Exists(Mute.objects.filter(muter_id=viewer.pk, muted_id=OuterRef(f"{prefix}pk")))


# A word character on either side would make the match part of a longer word.
_WORD_EDGE_BEFORE, _WORD_EDGE_AFTER = "(?<![[:alnum:]_])", "(?![[:alnum:]_])"


def muted_word_pattern(phrase: str) -> str:
    """Return `phrase` as a PostgreSQL regular expression matching it as whole words.

    Matched case-insensitively (`~*`): "cats" mutes "Cats!" and "#cats" but not "cats2" or
    "concats"; "#cats" mutes only the hashtag; the spaces of a phrase match any whitespace.
    Every character that is not a letter, digit or space is escaped, so a phrase is never
    read as a pattern.
    """
    words = phrase.split()
    escaped = [re.sub(r"([^\w])", r"\\\1", word) for word in words]
    return _WORD_EDGE_BEFORE + r"\s+".join(escaped) + _WORD_EDGE_AFTER


def content_visible_q(*, viewer: Viewer, prefix: str = "") -> Q:
    """Match users whose tweets and lists `viewer` may see."""
    return user_visible_q(viewer=viewer, prefix=prefix) & _content_open_q(
        viewer=viewer, prefix=prefix
    )


def user_listed_q(*, viewer: Viewer, prefix: str = "") -> Q:
    """Match users that may appear in lists, search and suggestions shown to `viewer`."""
    return user_visible_q(viewer=viewer, prefix=prefix) & (
        ~Q(**{f"{prefix}privacy": Privacy.PRIVATE}) | _content_open_q(viewer=viewer, prefix=prefix)
    )


def user_get_visible(*, viewer: Viewer, username: str) -> User:
    """Return the user called `username` (any case) if it exists for `viewer`.

    Raise User.DoesNotExist otherwise: a blocked or suspended account looks like no account.
    The statement is compiled once per kind of viewer (twitterclone.statements): the rule
    is the same Q, run fresh on every call.
    """
    if "\x00" in username:
        raise User.DoesNotExist  # PostgreSQL refuses NUL in text; no user can have one

    def build(stand_in) -> None:
        users = User.objects.filter_username(TEXT_SENTINEL).filter(user_visible_q(viewer=stand_in))
        list(users.values_list(*USER_COLUMNS)[:2])

    compiled = statement(("social.user_get_visible",), viewer, build)
    rows = compiled.run(viewer, text=username.lower())
    if len(rows) != 1:
        # Usernames are unique ignoring case (idx_users_username_lower): never two rows.
        raise User.DoesNotExist
    return User.from_db(connection.alias, USER_COLUMNS, rows[0])


def user_get_profile(*, viewer: Viewer, username: str) -> User:
    """Return the user called `username` (any case) if its profile answers for `viewer`.

    Raise User.DoesNotExist otherwise (see profile_visible_q); profile_access says how much.
    """
    return User.objects.filter_username(username).get(profile_visible_q(viewer=viewer))


def user_get_blockable(*, viewer: User, username: str) -> User:
    """Return the user called `username` if `viewer` may block or unblock them.

    Like user_get_visible, except that the viewer's own block does not hide the account:
    otherwise a block could never be lifted (or repeated). Raise User.DoesNotExist otherwise.
    """
    # A mutual block included: each side can still lift their own.
    blocked_by_viewer = _blocked_by_viewer(viewer=viewer, prefix="")
    return User.objects.filter_username(username).get(
        user_visible_q(viewer=viewer) | (Q(is_active=True) & blocked_by_viewer)
    )


def user_content_visible(*, viewer: Viewer, user: User) -> bool:
    """Tell whether `viewer` may see `user`'s tweets, likes and follow lists."""

    def build(stand_in) -> None:
        users = User.objects.filter(pk=SENTINELS[0]).filter(content_visible_q(viewer=stand_in))
        users.exists()

    compiled = statement(("social.user_content_visible",), viewer, build)
    return bool(compiled.run(viewer, user.pk))


class ProfileAccess:
    FULL = "full"  # everything
    CARD = "card"  # protected account, or one the viewer blocked: the card, no tweets or lists
    MINIMAL = "minimal"  # private account: username and "this account is private"


def profile_access(*, viewer: Viewer, user: User) -> str:
    """Return how much of `user`'s profile `viewer` may see (see ProfileAccess).

    Raise User.DoesNotExist when the profile does not answer for `viewer` (see
    profile_visible_q: blocked by the user, or suspended): "nothing" is not "minimal". An
    account the viewer blocked is at most a card, never FULL. Privacy is read from the row.
    """
    row = (
        User.objects.filter(pk=user.pk)
        .filter(profile_visible_q(viewer=viewer))
        .annotate(
            content_open=ExpressionWrapper(
                content_visible_q(viewer=viewer), output_field=BooleanField()
            )
        )
        .values_list("privacy", "content_open")
        .first()
    )
    if row is None:
        raise User.DoesNotExist
    privacy, content_open = row
    return ProfileAccess.FULL if content_open else _access_without_content(privacy)


def _access_without_content(privacy: str) -> str:
    return ProfileAccess.MINIMAL if privacy == Privacy.PRIVATE else ProfileAccess.CARD


def profile_access_blocked(*, user: User) -> str:
    """Return how much the blocker sees of `user`, an account they blocked (blocks_list).

    The same answer profile_access gives, without a query per account of a list.
    """
    return _access_without_content(user.privacy)


@dataclass(frozen=True)
class Relationship:
    following: bool = False
    followed_by: bool = False
    requested: bool = False
    blocking: bool = False
    muting: bool = False  # the viewer muted the user; never shown the other way round


def relationship_get(*, viewer: Viewer, user: User) -> Relationship:
    """Return how `viewer` relates to `user`, in one query.

    Every field is about the viewer's side, so `muting` (the viewer muted `user`) tells the
    muted account nothing: to them the same question is about their own mutes.
    """
    if not viewer.is_authenticated or viewer.pk == user.pk:
        return Relationship()
    row = User.objects.filter(pk=user.pk).values(
        following=Exists(UserFollows.objects.filter(follower_id=viewer.pk, following_id=user.pk)),
        followed_by=Exists(UserFollows.objects.filter(follower_id=user.pk, following_id=viewer.pk)),
        requested=Exists(FollowRequest.objects.filter(target_id=user.pk, requester_id=viewer.pk)),
        blocking=Exists(Block.objects.filter(blocker_id=viewer.pk, blocked_id=user.pk)),
        muting=Exists(Mute.objects.filter(muter_id=viewer.pk, muted_id=user.pk)),
    )[0]
    return Relationship(**row)


def _edge_page(
    edges: QuerySet, *, user_field: str, viewer: Viewer, cursor, limit, listed: bool = True
) -> Page:
    user_q = user_listed_q if listed else user_visible_q
    edges = edges.filter(user_q(viewer=viewer, prefix=f"{user_field}__"))
    return _users_page(edges, user_field=user_field, viewer=viewer, cursor=cursor, limit=limit)


def _access_case(*, viewer: Viewer, prefix: str) -> Case:
    """Return profile_access's answer as SQL, for every person of a list in the list's query."""
    return Case(
        When(content_visible_q(viewer=viewer, prefix=prefix), then=Value(ProfileAccess.FULL)),
        When(Q(**{f"{prefix}privacy": Privacy.PRIVATE}), then=Value(ProfileAccess.MINIMAL)),
        default=Value(ProfileAccess.CARD),
    )


def _users_page(
    edges: QuerySet, *, user_field: str, viewer: Viewer, cursor, limit, copy: tuple = ()
) -> Page:
    """Return a page of the users at `user_field` of `edges`, each with `.access` for `viewer`.

    The edges' annotations named in `copy` are set on each person too.

    Lists the owner sees whole (own followers, follow requests, blocks) hold people whose card
    the rule hides from the owner: `.access` tells the API and the HTML how much to show.
    """
    edges = edges.select_related(user_field).annotate(
        person_access=_access_case(viewer=viewer, prefix=f"{user_field}__")
    )
    page = keyset_page(edges, order=("created_at", f"{user_field}_id"), cursor=cursor, limit=limit)
    people = []
    for edge in page.items:
        person = getattr(edge, user_field)
        person.access = edge.person_access
        for name in copy:
            setattr(person, name, getattr(edge, name))
        people.append(person)
    return Page(items=people, next_cursor=page.next_cursor)


def followers_list(
    *, viewer: Viewer, user: User, cursor: str | None = None, limit: int = 20
) -> Page:
    """Return a page of `user`'s followers, newest first; raise if viewer may not see it."""
    if not user_content_visible(viewer=viewer, user=user):
        raise User.DoesNotExist
    edges = UserFollowers.objects.filter(user_id=user.pk)
    # The owner sees every follower, private ones too, so they can remove or block them.
    own = viewer.is_authenticated and viewer.pk == user.pk
    return _edge_page(
        edges, user_field="follower", viewer=viewer, cursor=cursor, limit=limit, listed=not own
    )


def following_list(
    *, viewer: Viewer, user: User, cursor: str | None = None, limit: int = 20
) -> Page:
    """Return a page of the accounts `user` follows, newest first."""
    if not user_content_visible(viewer=viewer, user=user):
        raise User.DoesNotExist
    edges = UserFollows.objects.filter(follower_id=user.pk)
    own = viewer.is_authenticated and viewer.pk == user.pk
    return _edge_page(
        edges, user_field="following", viewer=viewer, cursor=cursor, limit=limit, listed=not own
    )


def follow_requests_incoming(*, user: User, cursor: str | None = None, limit: int = 20) -> Page:
    """Return a page of pending requests to follow `user`, newest first."""
    edges = FollowRequest.objects.filter(target_id=user.pk)
    # Every requester, private ones too: the owner must see a request to approve or reject it.
    return _edge_page(
        edges, user_field="requester", viewer=user, cursor=cursor, limit=limit, listed=False
    )


def blocks_list(*, user: User, cursor: str | None = None, limit: int = 20) -> Page:
    """Return a page of the accounts `user` blocked, newest block first.

    Every one whose profile still answers for `user` (profile_visible_q), private ones too:
    the blocker must see a block to lift it. Not suspended accounts (except to staff), nor
    those who blocked `user` back, whose own block hides them; either block can still be
    lifted by username. Each person also has `.muting`: a mute outlives a block.
    """
    edges = (
        Block.objects.filter(blocker_id=user.pk)
        .filter(profile_visible_q(viewer=user, prefix="blocked__"))
        .annotate(
            muting=Exists(Mute.objects.filter(muter_id=user.pk, muted_id=OuterRef("blocked_id")))
        )
    )
    return _users_page(
        edges, user_field="blocked", viewer=user, cursor=cursor, limit=limit, copy=("muting",)
    )


def mutes_list(*, viewer: User, cursor: str | None = None, limit: int = 20) -> Page:
    """Return a page of the accounts `viewer` muted, newest mute first (idx_mutes_muter_created).

    Every one whose profile still answers for `viewer` (profile_visible_q), like blocks_list:
    each with `.access`, so a private account shows as its handle only.
    """
    edges = Mute.objects.filter(muter_id=viewer.pk).filter(
        profile_visible_q(viewer=viewer, prefix="muted__")
    )
    return _users_page(edges, user_field="muted", viewer=viewer, cursor=cursor, limit=limit)


def muted_words_active_q() -> Q:
    """Match the muted words that have not expired (the only ones shown or applied)."""
    return Q(expires_at__isnull=True) | Q(expires_at__gt=Now())


def muted_words_list(*, user: User) -> list[MutedWord]:
    """Return `user`'s muted words that have not expired, newest first (at most 200)."""
    words = MutedWord.objects.filter(user_id=user.pk).filter(muted_words_active_q())
    return list(words.order_by("-created_at", "-id"))


@dataclass(frozen=True)
class GraphMismatches:
    only_in_follows: int
    only_in_followers: int

    @property
    def total(self) -> int:
        return self.only_in_follows + self.only_in_followers


def graph_mismatches() -> GraphMismatches:
    """Count edges present in one follow table but not mirrored in the other."""
    in_followers = UserFollowers.objects.filter(
        user_id=OuterRef("following_id"), follower_id=OuterRef("follower_id")
    )
    in_follows = UserFollows.objects.filter(
        follower_id=OuterRef("follower_id"), following_id=OuterRef("user_id")
    )
    return GraphMismatches(
        only_in_follows=UserFollows.objects.filter(~Exists(in_followers)).count(),
        only_in_followers=UserFollowers.objects.filter(~Exists(in_follows)).count(),
    )
