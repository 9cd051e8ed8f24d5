"""Writes for the social graph. Both follow tables and both counters change in one transaction.

Row inserts use INSERT ... ON CONFLICT DO NOTHING RETURNING and deletes use DELETE ...
RETURNING, so counters move only when a row really appeared or disappeared: a concurrent
double follow or double unfollow cannot push a counter away from the rows.
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Case, Exists, F, Value, When
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.models import Privacy, User
from accounts.services import user_update_profile
from twitterclone.counters import counter_rebuild
from twitterclone.validators import reject_nul_bytes, text_clean, text_is_blank

from . import signals
from .models import (
    MAX_MUTED_PHRASE_LENGTH,
    Block,
    FollowRequest,
    Mute,
    MutedWord,
    UserFollowers,
    UserFollows,
)
from .selectors import muted_word_pattern

CANNOT_FOLLOW_SELF = "You cannot follow yourself."
CANNOT_BLOCK_SELF = "You cannot block yourself."
FOLLOW_BLOCKED = "You cannot follow this account."
FOLLOW_BLOCKING = "You blocked this account; unblock it to follow."
ACCOUNT_UNAVAILABLE = "This account is not available."
PRIVACY_INVALID = "Privacy must be one of: public, protected, private."
CANNOT_MUTE_SELF = "You cannot mute yourself."
MUTED_PHRASE_BLANK = "Enter a word, phrase or #hashtag to mute."
MUTED_PHRASE_TOO_LONG = f"Muted words are at most {MAX_MUTED_PHRASE_LENGTH} characters."
MUTED_PHRASE_DUPLICATE = "You already muted this word or phrase."
MUTED_WORDS_TOO_MANY = "You can mute at most {max} words and phrases."
MUTED_EXPIRY_INVALID = "Choose a number of days from 1 to {max}, or none for forever."
MAX_MUTED_WORDS = 200
MAX_MUTE_DAYS = 3650


class FollowStatus:
    FOLLOWING = "following"
    REQUESTED = "requested"


def _insert_ignore(table: str, columns: tuple[str, str], values: tuple[int, int]) -> bool:
    """Insert one edge unless present; return whether a row was inserted."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns[0]}, {columns[1]}, created_at) "
            "VALUES (%s, %s, %s) ON CONFLICT DO NOTHING RETURNING 1",
            [*values, timezone.now()],
        )
        return cursor.fetchone() is not None


def _lock_users(*user_ids: int) -> dict[int, User]:
    """Lock the users' rows in id order and return their current state.

    Fresh privacy and status decide the outcome even if a privacy change races this call,
    and the fixed order keeps concurrent A->B and B->A from deadlocking.
    """
    rows = User.objects.select_for_update(no_key=True).filter(pk__in=user_ids).order_by("pk")
    return {user.pk: user for user in rows.only("pk", "privacy", "is_active")}


def _bump_counters(*, follower_id: int, followee_id: int, delta: int) -> None:
    """Move both users' counters in one statement; callers hold both rows (_lock_users)."""
    User.objects.filter(pk__in=[follower_id, followee_id]).update(
        following_count=F("following_count")
        + Case(When(pk=follower_id, then=Value(delta)), default=Value(0)),
        followers_count=F("followers_count")
        + Case(When(pk=followee_id, then=Value(delta)), default=Value(0)),
    )


def _edge_insert(*, follower_id: int, followee_id: int) -> bool:
    """Write both directions of a follow and both counters; return whether it is new."""
    # Both directions in one statement, so in one transaction: never half a follow.
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH edge AS (
                INSERT INTO {UserFollows._meta.db_table} (follower_id, following_id, created_at)
                VALUES (%s, %s, %s) ON CONFLICT DO NOTHING
                RETURNING follower_id, following_id, created_at
            )
            INSERT INTO {UserFollowers._meta.db_table} (user_id, follower_id, created_at)
            SELECT following_id, follower_id, created_at FROM edge
            ON CONFLICT DO NOTHING RETURNING 1
            """,
            [follower_id, followee_id, timezone.now()],
        )
        inserted = cursor.fetchone() is not None
    if inserted:
        _bump_counters(follower_id=follower_id, followee_id=followee_id, delta=1)
        signals.follow_created.send(
            sender=UserFollows, follower_id=follower_id, followee_id=followee_id
        )
    return inserted


def _edge_delete(*, follower_id: int, followee_id: int) -> bool:
    """Remove both directions of a follow and both counters; return whether it existed."""
    deleted, _ = UserFollows.objects.filter(
        follower_id=follower_id, following_id=followee_id
    ).delete()
    if deleted:
        UserFollowers.objects.filter(user_id=followee_id, follower_id=follower_id).delete()
        _bump_counters(follower_id=follower_id, followee_id=followee_id, delta=-1)
        signals.follow_removed.send(
            sender=UserFollows, follower_id=follower_id, followee_id=followee_id
        )
    return bool(deleted)


@transaction.atomic
def follow_create(*, follower: User, followee: User) -> str:
    """Follow `followee`, or ask to when the account is not public; return the FollowStatus.

    Following twice is not an error and never writes a second row.
    """
    if follower.pk == followee.pk:
        raise ValidationError(CANNOT_FOLLOW_SELF)
    followee = _lock_users(follower.pk, followee.pk)[followee.pk]
    if not followee.is_active:
        raise ValidationError(ACCOUNT_UNAVAILABLE)
    state = (
        User.objects.filter(pk=followee.pk)
        .values(
            blocked=Exists(Block.objects.filter(blocker_id=followee.pk, blocked_id=follower.pk)),
            blocking=Exists(Block.objects.filter(blocker_id=follower.pk, blocked_id=followee.pk)),
            following=Exists(
                UserFollows.objects.filter(follower_id=follower.pk, following_id=followee.pk)
            ),
        )
        .get()
    )
    if state["blocked"]:
        raise ValidationError(FOLLOW_BLOCKED)
    if state["blocking"]:
        raise ValidationError(FOLLOW_BLOCKING)
    if state["following"]:
        return FollowStatus.FOLLOWING
    if followee.privacy != Privacy.PUBLIC:
        if _insert_ignore(
            FollowRequest._meta.db_table, ("target_id", "requester_id"), (followee.pk, follower.pk)
        ):
            signals.follow_requested.send(
                sender=FollowRequest, requester_id=follower.pk, target_id=followee.pk
            )
        return FollowStatus.REQUESTED
    _edge_insert(follower_id=follower.pk, followee_id=followee.pk)
    return FollowStatus.FOLLOWING


@transaction.atomic
def follow_delete(*, follower: User, followee: User) -> bool:
    """Unfollow `followee` (or withdraw a pending request); return whether anything changed."""
    _lock_users(follower.pk, followee.pk)
    withdrawn, _ = FollowRequest.objects.filter(
        target_id=followee.pk, requester_id=follower.pk
    ).delete()
    if withdrawn:
        _request_withdrawn(requester_id=follower.pk, target_id=followee.pk)
    return _edge_delete(follower_id=follower.pk, followee_id=followee.pk) or bool(withdrawn)


@transaction.atomic
def follow_request_approve(*, owner: User, requester: User) -> bool:
    """Turn `requester`'s pending request into a follow; return False if there was none."""
    _lock_users(owner.pk, requester.pk)
    deleted, _ = FollowRequest.objects.filter(
        target_id=owner.pk, requester_id=requester.pk
    ).delete()
    if not deleted:
        return False
    _edge_insert(follower_id=requester.pk, followee_id=owner.pk)
    signals.follow_request_approved.send(
        sender=FollowRequest, requester_id=requester.pk, target_id=owner.pk
    )
    return True


def _request_withdrawn(*, requester_id: int, target_id: int) -> None:
    signals.follow_request_withdrawn.send(
        sender=FollowRequest, requester_id=requester_id, target_id=target_id
    )


# Atomic so that the request and what hangs off it (its notification) go together.
@transaction.atomic
def follow_request_reject(*, owner: User, requester: User) -> bool:
    """Drop `requester`'s pending request; return False if there was none."""
    deleted, _ = FollowRequest.objects.filter(
        target_id=owner.pk, requester_id=requester.pk
    ).delete()
    if deleted:
        _request_withdrawn(requester_id=requester.pk, target_id=owner.pk)
    return bool(deleted)


@transaction.atomic
def follow_request_cancel(*, requester: User, target: User) -> bool:
    """Withdraw the request `requester` sent to `target`; return False if there was none."""
    deleted, _ = FollowRequest.objects.filter(
        target_id=target.pk, requester_id=requester.pk
    ).delete()
    if deleted:
        _request_withdrawn(requester_id=requester.pk, target_id=target.pk)
    return bool(deleted)


@transaction.atomic
def follower_remove(*, user: User, follower: User) -> bool:
    """Make `follower` stop following `user`, without blocking; return whether it did."""
    _lock_users(user.pk, follower.pk)
    return _edge_delete(follower_id=follower.pk, followee_id=user.pk)


@transaction.atomic
def block_create(*, blocker: User, blocked: User) -> None:
    """Block `blocked`: sever follows both ways and drop pending requests both ways."""
    if blocker.pk == blocked.pk:
        raise ValidationError(CANNOT_BLOCK_SELF)
    _lock_users(blocker.pk, blocked.pk)
    _insert_ignore(Block._meta.db_table, ("blocker_id", "blocked_id"), (blocker.pk, blocked.pk))
    _edge_delete(follower_id=blocker.pk, followee_id=blocked.pk)
    _edge_delete(follower_id=blocked.pk, followee_id=blocker.pk)
    for requester, target in ((blocked, blocker), (blocker, blocked)):
        if FollowRequest.objects.filter(target_id=target.pk, requester_id=requester.pk).delete()[0]:
            _request_withdrawn(requester_id=requester.pk, target_id=target.pk)


def block_delete(*, blocker: User, blocked: User) -> bool:
    """Lift a block; follows severed by it stay severed. Return whether one existed."""
    deleted, _ = Block.objects.filter(blocker_id=blocker.pk, blocked_id=blocked.pk).delete()
    return bool(deleted)


def mute_create(*, muter: User, muted: User) -> bool:
    """Mute `muted` for `muter` (never told to `muted`); return whether the mute is new."""
    if muter.pk == muted.pk:
        raise ValidationError(CANNOT_MUTE_SELF)
    # No lock: a mute changes no counter and no follow, so a racing double mute is harmless.
    return _insert_ignore(Mute._meta.db_table, ("muter_id", "muted_id"), (muter.pk, muted.pk))


def mute_delete(*, muter: User, muted: User) -> bool:
    """Lift `muter`'s mute of `muted`; return whether there was one."""
    deleted, _ = Mute.objects.filter(muter_id=muter.pk, muted_id=muted.pk).delete()
    return bool(deleted)


def _muted_phrase_clean(phrase: str) -> str:
    """Return the phrase as it is stored: one line, single spaces; raise if unusable."""
    reject_nul_bytes(phrase=phrase)
    # Whitespace collapsed: the pattern matches any run of it, so "a  b" is "a b" twice over.
    phrase = " ".join(text_clean(text=phrase, single_line=True).split())
    if not phrase or text_is_blank(text=phrase):
        raise ValidationError({"phrase": [MUTED_PHRASE_BLANK]})
    if len(phrase) > MAX_MUTED_PHRASE_LENGTH:
        raise ValidationError({"phrase": [MUTED_PHRASE_TOO_LONG]})
    return phrase


def _muted_expiry(expires_in_days: object):
    if expires_in_days is None:
        return None
    if (
        not isinstance(expires_in_days, int)
        or isinstance(expires_in_days, bool)
        or not 1 <= expires_in_days <= MAX_MUTE_DAYS
    ):
        raise ValidationError({"expires_in_days": [MUTED_EXPIRY_INVALID.format(max=MAX_MUTE_DAYS)]})
    return timezone.now() + timedelta(days=expires_in_days)


@transaction.atomic
def muted_word_create(*, user: User, phrase: str, expires_in_days: int | None = None) -> MutedWord:
    """Mute a word, phrase or #hashtag for `user`, for `expires_in_days` or (None) forever.

    Matched as whole words in any case (social.selectors.muted_word_pattern). A phrase the
    user already mutes, in any case, is refused, as is a 201st.
    """
    phrase = _muted_phrase_clean(phrase)
    expires_at = _muted_expiry(expires_in_days)
    # The user's row serialises their muted-word writes: the count and the duplicate check
    # below cannot race another add of the same user.
    _lock_users(user.pk)
    # Expired words are neither shown nor applied: dropped here, they never hold a place
    # of the 200 or block adding the same phrase again.
    words = MutedWord.objects.filter(user_id=user.pk)
    words.filter(expires_at__lte=timezone.now()).delete()
    if words.annotate(lower=Lower("phrase")).filter(lower=Lower(Value(phrase))).exists():
        raise ValidationError({"phrase": [MUTED_PHRASE_DUPLICATE]})
    if words.count() >= MAX_MUTED_WORDS:
        raise ValidationError({"phrase": [MUTED_WORDS_TOO_MANY.format(max=MAX_MUTED_WORDS)]})
    return MutedWord.objects.create(
        user=user, phrase=phrase, pattern=muted_word_pattern(phrase), expires_at=expires_at
    )


def muted_word_delete(*, user: User, muted_word_id: int) -> None:
    """Stop muting one of `user`'s words; raise MutedWord.DoesNotExist if it is not theirs."""
    deleted, _ = MutedWord.objects.filter(user_id=user.pk, pk=muted_word_id).delete()
    if not deleted:
        raise MutedWord.DoesNotExist


@transaction.atomic
def privacy_set(*, user: User, privacy: str) -> User:
    """Change `user`'s privacy; turning public approves every pending request at once.

    Protection is enforced at read time, so protecting an account hides its past tweets
    immediately without touching them.
    """
    if privacy not in Privacy.values:
        raise ValidationError({"privacy": [PRIVACY_INVALID]})
    pending = FollowRequest.objects.filter(target_id=user.pk)
    requester_ids = (
        list(pending.values_list("requester_id", flat=True)) if privacy == Privacy.PUBLIC else []
    )
    # Owner and requesters locked together in id order, like every graph write, so approving
    # cannot deadlock with a requester's own follow or unfollow; holding the owner's row also
    # holds off new requests (follow_create locks its target).
    _lock_users(user.pk, *requester_ids)
    # update() skips auto_now, so updated_at is set here like every other profile change.
    User.objects.filter(pk=user.pk).update(privacy=privacy, updated_at=timezone.now())
    user.privacy = privacy
    if privacy == Privacy.PUBLIC:
        # Re-read under the lock: a request that committed just before it is approved too.
        approved = sorted(pending.values_list("requester_id", flat=True))
        pending.delete()
        for requester_id in approved:
            _edge_insert(follower_id=requester_id, followee_id=user.pk)
            signals.follow_request_approved.send(
                sender=FollowRequest, requester_id=requester_id, target_id=user.pk
            )
    user.refresh_from_db(fields=["followers_count", "following_count", "updated_at"])
    return user


@transaction.atomic
def profile_settings_update(
    *,
    user: User,
    display_name: str | None = None,
    bio: str | None = None,
    profile_image_url: str | None = None,
    privacy: str | None = None,
) -> User:
    """Save profile fields and privacy together: a bad value anywhere writes nothing.

    None leaves a field as it is. Lives here, not in accounts, because privacy writes the graph.
    """
    user = user_update_profile(
        user=user, display_name=display_name, bio=bio, profile_image_url=profile_image_url
    )
    if privacy is not None:
        user = privacy_set(user=user, privacy=privacy)
    return user


def follow_counters_rebuild(*, dry_run: bool = False) -> dict[str, int]:
    """Recompute followers_count and following_count from the graph; return rows off."""
    return {
        "users.followers_count": counter_rebuild(
            table="users",
            column="followers_count",
            source_sql="SELECT user_id AS id, count(*) AS n FROM user_followers GROUP BY user_id",
            dry_run=dry_run,
        ),
        "users.following_count": counter_rebuild(
            table="users",
            column="following_count",
            source_sql="SELECT follower_id AS id, count(*) AS n FROM user_follows GROUP BY 1",
            dry_run=dry_run,
        ),
    }


@transaction.atomic
def graph_repair() -> int:
    """Make the two follow tables hold the union of their edges; return edges added.

    A one-sided edge can only come from a write outside the services; keeping it (rather than
    dropping it) never loses a follow somebody asked for. Run `recount` afterwards.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO user_followers (user_id, follower_id, created_at) "
            "SELECT following_id, follower_id, created_at FROM user_follows "
            "ON CONFLICT DO NOTHING"
        )
        added = cursor.rowcount
        cursor.execute(
            "INSERT INTO user_follows (follower_id, following_id, created_at) "
            "SELECT follower_id, user_id, created_at FROM user_followers "
            "ON CONFLICT DO NOTHING"
        )
        return added + cursor.rowcount
