"""Moderator actions: each calls the owning app's service and writes its audit row atomically."""

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db import transaction

from accounts import services as accounts_services
from accounts.models import User
from tweets import services as tweets_services
from tweets.models import Report, Tweet

from .models import AuditLogEntry

Action = AuditLogEntry.Action

NOT_STAFF = "Only staff can moderate."
NOT_SUPERUSER = "Only superusers can act on staff accounts or change roles."
SUSPEND_SELF = "You cannot suspend your own account."


def _require_staff(moderator: User) -> None:
    if not (moderator.is_active and moderator.is_staff):
        raise PermissionDenied(NOT_STAFF)


def _require_may_act_on(moderator: User, user: User) -> None:
    """Staff accounts are managed by superusers only."""
    _require_staff(moderator)
    if (user.is_staff or user.is_superuser) and not moderator.is_superuser:
        raise PermissionDenied(NOT_SUPERUSER)


def _tweet_repr(tweet: Tweet) -> str:
    return f"tweet {tweet.pk} by {tweet.user}: {tweet.content}"[:200]


def _audit(
    *,
    moderator: User,
    action: str,
    note: str = "",
    user: User | None = None,
    tweet: Tweet | None = None,
    report: Report | None = None,
) -> AuditLogEntry:
    if user is not None:
        target = str(user)
    elif tweet is not None:
        target = _tweet_repr(tweet)
    else:
        target = ""
    return AuditLogEntry.objects.create(
        moderator=moderator,
        action=action,
        target_user=user if user is not None else (tweet.user if tweet is not None else None),
        target_tweet_id=tweet.pk if tweet is not None else None,
        report=report,
        target_repr=target[:200],
        note=note,
    )


@transaction.atomic
def user_verify(*, moderator: User, user: User, note: str = "") -> AuditLogEntry:
    """Give `user` the verified badge."""
    _require_staff(moderator)
    accounts_services.user_set_verified(user=user, verified=True)
    return _audit(moderator=moderator, action=Action.USER_VERIFY, user=user, note=note)


@transaction.atomic
def user_unverify(*, moderator: User, user: User, note: str = "") -> AuditLogEntry:
    """Take the verified badge away."""
    _require_staff(moderator)
    accounts_services.user_set_verified(user=user, verified=False)
    return _audit(moderator=moderator, action=Action.USER_UNVERIFY, user=user, note=note)


@transaction.atomic
def user_suspend(*, moderator: User, user: User, note: str = "") -> AuditLogEntry:
    """Suspend `user`: no login, no token, and everything of theirs hidden from non-staff."""
    _require_may_act_on(moderator, user)
    if user.pk == moderator.pk:
        raise PermissionDenied(SUSPEND_SELF)
    accounts_services.user_set_active(user=user, active=False)
    return _audit(moderator=moderator, action=Action.USER_SUSPEND, user=user, note=note)


@transaction.atomic
def user_unsuspend(*, moderator: User, user: User, note: str = "") -> AuditLogEntry:
    """Lift a suspension: login, tokens and everything of the user come back."""
    _require_may_act_on(moderator, user)
    accounts_services.user_set_active(user=user, active=True)
    return _audit(moderator=moderator, action=Action.USER_UNSUSPEND, user=user, note=note)


@transaction.atomic
def user_set_roles(
    *,
    moderator: User,
    user: User,
    is_staff: bool,
    is_superuser: bool,
    groups: list[Group],
    user_permissions: list[Permission],
    note: str = "",
) -> AuditLogEntry:
    """Set `user`'s staff flags, groups and permissions (superusers only)."""
    _require_staff(moderator)
    if not moderator.is_superuser:
        raise PermissionDenied(NOT_SUPERUSER)
    user.is_staff, user.is_superuser = is_staff, is_superuser
    user.save(update_fields=["is_staff", "is_superuser", "updated_at"])
    user.groups.set(groups)
    user.user_permissions.set(user_permissions)
    summary = (
        f"staff={is_staff} superuser={is_superuser} "
        f"groups={sorted(group.name for group in groups)} "
        f"permissions={sorted(permission.codename for permission in user_permissions)}"
    )
    return _audit(
        moderator=moderator,
        action=Action.USER_ROLES,
        user=user,
        note="\n".join(part for part in (summary, note) if part),
    )


@transaction.atomic
def tweet_hide(*, moderator: User, tweet: Tweet, note: str = "") -> AuditLogEntry:
    """Hide `tweet` from everyone but staff and its author."""
    _require_staff(moderator)
    tweets_services.tweet_set_hidden(tweet=tweet, hidden=True)
    return _audit(moderator=moderator, action=Action.TWEET_HIDE, tweet=tweet, note=note)


@transaction.atomic
def tweet_unhide(*, moderator: User, tweet: Tweet, note: str = "") -> AuditLogEntry:
    """Show a hidden tweet again."""
    _require_staff(moderator)
    tweets_services.tweet_set_hidden(tweet=tweet, hidden=False)
    return _audit(moderator=moderator, action=Action.TWEET_UNHIDE, tweet=tweet, note=note)


@transaction.atomic
def tweet_delete(*, moderator: User, tweet: Tweet, note: str = "") -> AuditLogEntry:
    """Delete `tweet` as the author would (counters, retweets, timelines follow)."""
    _require_staff(moderator)
    # Written first: the tweet (and its reports) are gone afterwards, the audit row stays.
    entry = _audit(moderator=moderator, action=Action.TWEET_DELETE, tweet=tweet, note=note)
    tweets_services.tweet_delete(tweet=tweet, actor=moderator)
    return entry


@transaction.atomic
def report_resolve_and_hide(*, moderator: User, report: Report, note: str = "") -> AuditLogEntry:
    """Resolve `report` (and the tweet's other open reports) and hide the tweet."""
    _require_staff(moderator)
    tweet = report.tweet
    tweets_services.tweet_set_hidden(tweet=tweet, hidden=True)
    tweets_services.reports_close_for_tweet(tweet_id=tweet.pk, status=Report.Status.RESOLVED)
    report.status = Report.Status.RESOLVED
    return _audit(
        moderator=moderator, action=Action.REPORT_RESOLVE, tweet=tweet, report=report, note=note
    )


@transaction.atomic
def report_suspend_author(*, moderator: User, report: Report, note: str = "") -> AuditLogEntry:
    """Suspend the reported tweet's author and resolve the tweet's open reports."""
    tweet = report.tweet
    _require_may_act_on(moderator, tweet.user)
    if tweet.user_id == moderator.pk:
        raise PermissionDenied(SUSPEND_SELF)
    accounts_services.user_set_active(user=tweet.user, active=False)
    tweets_services.reports_close_for_tweet(tweet_id=tweet.pk, status=Report.Status.RESOLVED)
    report.status = Report.Status.RESOLVED
    return _audit(
        moderator=moderator,
        action=Action.REPORT_SUSPEND_AUTHOR,
        tweet=tweet,
        report=report,
        note=note,
    )


@transaction.atomic
def report_dismiss(*, moderator: User, report: Report, note: str = "") -> AuditLogEntry | None:
    """Dismiss `report`; return None (and record nothing) if it was already closed."""
    _require_staff(moderator)
    if not tweets_services.report_close(report=report, status=Report.Status.DISMISSED):
        return None
    return _audit(
        moderator=moderator,
        action=Action.REPORT_DISMISS,
        tweet=report.tweet,
        report=report,
        note=note,
    )
