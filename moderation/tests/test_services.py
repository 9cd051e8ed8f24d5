"""Moderator actions: state, counters, every read path and the audit row, afterwards."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.test import Client

from accounts.models import User
from accounts.tests.factories import PASSWORD, user_create
from moderation import services
from moderation.models import AuditLogEntry
from search.selectors import tweets_search
from social.services import follow_create
from timelines.selectors import timeline_home
from tweets.models import Report, Tweet
from tweets.selectors import (
    tweet_get_visible,
    tweets_by_hashtag,
    tweets_mentioning,
    tweets_of_user,
    tweets_recent,
)
from tweets.services import like_create, report_create, retweet_create
from tweets.tests.factories import post
from twitterclone.tests.api_helpers import bearer_client

pytestmark = pytest.mark.django_db

Action = AuditLogEntry.Action


@pytest.fixture
def moderator():
    return user_create(username="mod", is_staff=True)


@pytest.fixture
def scene():
    """An author followed by a reader, with a tweet that tags, mentions and can be searched."""
    author, reader = user_create(username="author"), user_create(username="reader")
    follow_create(follower=reader, followee=author)
    tweet = post(author, "zanzibar lighthouse #moderated @reader")
    return author, reader, tweet


def _ids(items) -> set[int]:
    return {item.pk for item in items}


def _read_paths(viewer, author, tweet) -> dict[str, bool]:
    """Tell, per read path, whether `viewer` sees `tweet`."""
    try:
        tweet_get_visible(viewer=viewer, tweet_id=tweet.pk)
        single = True
    except Tweet.DoesNotExist:
        single = False
    try:
        profile = tweet.pk in _ids(tweets_of_user(viewer=viewer, user=author).items)
    except User.DoesNotExist:
        profile = False
    return {
        "single": single,
        "profile": profile,
        "home": tweet.pk in _ids(timeline_home(viewer=viewer).items),
        "search": tweet.pk in _ids(tweets_search(viewer=viewer, query="zanzibar").items),
        "hashtag": tweet.pk in _ids(tweets_by_hashtag(viewer=viewer, tag="moderated").items),
        "mentions": tweet.pk in _ids(tweets_mentioning(viewer=viewer, user=viewer).items),
        "explore": tweet.pk in _ids(tweets_recent(viewer=viewer).items),
    }


def _all(value: bool) -> dict[str, bool]:
    return dict.fromkeys(
        ["single", "profile", "home", "search", "hashtag", "mentions", "explore"], value
    )


def _entries() -> list[tuple]:
    return list(
        AuditLogEntry.objects.order_by("id").values_list(
            "moderator__username", "action", "target_user__username", "target_tweet_id"
        )
    )


def test_hide_takes_a_tweet_off_every_read_path_and_unhide_restores_it(moderator, scene):
    author, reader, tweet = scene
    assert _read_paths(reader, author, tweet) == _all(True)

    services.tweet_hide(moderator=moderator, tweet=tweet, note="spam")

    assert Tweet.objects.get(pk=tweet.pk).is_hidden
    assert _read_paths(reader, author, tweet) == _all(False)
    assert tweet_get_visible(viewer=author, tweet_id=tweet.pk).pk == tweet.pk  # author sees it
    assert tweet_get_visible(viewer=moderator, tweet_id=tweet.pk).pk == tweet.pk
    assert User.objects.get(pk=author.pk).tweets_count == 1  # hiding moves no counter

    services.tweet_unhide(moderator=moderator, tweet=tweet)

    assert _read_paths(reader, author, tweet) == _all(True)
    assert _entries() == [
        ("mod", Action.TWEET_HIDE, "author", tweet.pk),
        ("mod", Action.TWEET_UNHIDE, "author", tweet.pk),
    ]
    assert AuditLogEntry.objects.first().note == "spam"


def test_a_retweet_of_a_hidden_tweet_disappears_with_it(moderator, scene):
    _, reader, tweet = scene
    amplifier = user_create()
    follow_create(follower=reader, followee=amplifier)
    retweet_create(user=amplifier, tweet_id=tweet.pk)
    retweet = Tweet.objects.get(user=amplifier, original_tweet=tweet)

    services.tweet_hide(moderator=moderator, tweet=tweet)

    assert retweet.pk not in _ids(timeline_home(viewer=reader).items)
    assert tweets_of_user(viewer=reader, user=amplifier).items == []


def test_delete_moves_counters_and_leaves_timelines_and_an_audit_row(moderator, scene):
    author, reader, tweet = scene
    kept = post(author, "kept")
    reply = post(reader, "a reply", reply_to_id=kept.pk)
    like_create(user=reader, tweet_id=reply.pk)
    report_create(reporter=user_create(), tweet_id=reply.pk, reason="rude")
    assert reply.pk in _ids(timeline_home(viewer=reader).items)

    entry = services.tweet_delete(moderator=moderator, tweet=reply, note="abuse")

    assert not Tweet.objects.filter(pk=reply.pk).exists()
    assert User.objects.get(pk=reader.pk).tweets_count == 0
    assert Tweet.objects.get(pk=kept.pk).reply_count == 0
    assert reply.pk not in _ids(timeline_home(viewer=reader).items)
    assert _ids(timeline_home(viewer=author).items) == {tweet.pk, kept.pk}
    assert not Report.objects.exists()  # reports go with their tweet; the audit row stays
    entry.refresh_from_db()
    assert (entry.action, entry.target_tweet_id, entry.target_user_id) == (
        Action.TWEET_DELETE,
        reply.pk,
        reader.pk,
    )
    assert "a reply" in entry.target_repr and entry.note == "abuse"


def test_suspend_hides_everything_and_stops_login_and_tokens_until_unsuspended(moderator, scene):
    author, reader, tweet = scene
    token_client = bearer_client(user=author)
    assert token_client.get("/api/v1/me").status_code == 200

    services.user_suspend(moderator=moderator, user=author, note="ban evasion")

    assert _read_paths(reader, author, tweet) == _all(False)
    assert token_client.get("/api/v1/me").status_code == 401
    assert not Client().login(username="author", password=PASSWORD)
    assert tweet_get_visible(viewer=moderator, tweet_id=tweet.pk).pk == tweet.pk

    services.user_unsuspend(moderator=moderator, user=author)

    assert _read_paths(reader, author, tweet) == _all(True)
    assert token_client.get("/api/v1/me").status_code == 200
    assert Client().login(username="author", password=PASSWORD)
    assert _entries() == [
        ("mod", Action.USER_SUSPEND, "author", None),
        ("mod", Action.USER_UNSUSPEND, "author", None),
    ]


def test_verify_and_unverify_set_the_badge(moderator, scene):
    author, _, _ = scene

    services.user_verify(moderator=moderator, user=author)
    assert User.objects.get(pk=author.pk).verified
    services.user_unverify(moderator=moderator, user=author)

    assert not User.objects.get(pk=author.pk).verified
    assert [action for _, action, _, _ in _entries()] == [
        Action.USER_VERIFY,
        Action.USER_UNVERIFY,
    ]


def _open_reports(tweet, count: int) -> list[Report]:
    return [
        report_create(reporter=user_create(), tweet_id=tweet.pk, reason=f"reason {n}")[0]
        for n in range(count)
    ]


def test_resolve_and_hide_closes_the_tweets_open_reports_and_hides_it(moderator, scene):
    author, reader, tweet = scene
    first, second = _open_reports(tweet, 2)
    other = _open_reports(post(author, "other"), 1)[0]

    services.report_resolve_and_hide(moderator=moderator, report=first)

    statuses = dict(Report.objects.values_list("pk", "status"))
    assert statuses == {first.pk: "resolved", second.pk: "resolved", other.pk: "open"}
    assert Tweet.objects.get(pk=tweet.pk).is_hidden
    assert _read_paths(reader, author, tweet) == _all(False)
    entry = AuditLogEntry.objects.get()
    assert (entry.action, entry.report_id, entry.target_tweet_id, entry.target_user_id) == (
        Action.REPORT_RESOLVE,
        first.pk,
        tweet.pk,
        author.pk,
    )


def test_suspend_author_from_a_report_suspends_and_resolves(moderator, scene):
    author, reader, tweet = scene
    (report,) = _open_reports(tweet, 1)

    services.report_suspend_author(moderator=moderator, report=report)

    assert not User.objects.get(pk=author.pk).is_active
    assert Report.objects.get(pk=report.pk).status == "resolved"
    assert not Tweet.objects.get(pk=tweet.pk).is_hidden  # the suspension hides it
    assert _read_paths(reader, author, tweet) == _all(False)
    assert AuditLogEntry.objects.get().action == Action.REPORT_SUSPEND_AUTHOR


def test_dismiss_closes_one_report_once(moderator, scene):
    _, _, tweet = scene
    first, second = _open_reports(tweet, 2)

    assert services.report_dismiss(moderator=moderator, report=first) is not None
    assert services.report_dismiss(moderator=moderator, report=first) is None

    statuses = dict(Report.objects.values_list("pk", "status"))
    assert statuses == {first.pk: "dismissed", second.pk: "open"}
    assert AuditLogEntry.objects.get().action == Action.REPORT_DISMISS
    assert not Tweet.objects.get(pk=tweet.pk).is_hidden


def test_non_staff_can_do_nothing_and_nothing_is_written(scene):
    author, reader, tweet = scene
    (report,) = _open_reports(tweet, 1)
    attempts = [
        lambda: services.user_suspend(moderator=reader, user=author),
        lambda: services.user_verify(moderator=reader, user=author),
        lambda: services.tweet_hide(moderator=reader, tweet=tweet),
        lambda: services.tweet_delete(moderator=reader, tweet=tweet),
        lambda: services.report_dismiss(moderator=reader, report=report),
        lambda: services.report_resolve_and_hide(moderator=reader, report=report),
        lambda: services.report_suspend_author(moderator=reader, report=report),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()

    author.refresh_from_db()
    assert (author.is_active, author.verified) == (True, False)
    assert Tweet.objects.filter(pk=tweet.pk, is_hidden=False).exists()
    assert Report.objects.get().status == "open"
    assert not AuditLogEntry.objects.exists()


def test_only_superusers_suspend_staff_or_change_roles(moderator):
    other_staff = user_create(is_staff=True)
    superuser = User.objects.create_superuser("root", "root@example.com", PASSWORD)
    group = Group.objects.get(name="Moderators")

    with pytest.raises(PermissionDenied):
        services.user_suspend(moderator=moderator, user=other_staff)
    with pytest.raises(PermissionDenied):
        services.user_suspend(moderator=moderator, user=moderator)
    with pytest.raises(PermissionDenied):
        services.user_set_roles(
            moderator=moderator,
            user=moderator,
            is_staff=True,
            is_superuser=True,
            groups=[],
            user_permissions=[],
        )
    assert User.objects.get(pk=other_staff.pk).is_active
    assert not User.objects.get(pk=moderator.pk).is_superuser

    services.user_suspend(moderator=superuser, user=other_staff)
    services.user_set_roles(
        moderator=superuser,
        user=moderator,
        is_staff=True,
        is_superuser=False,
        groups=[group],
        user_permissions=[],
    )

    assert not User.objects.get(pk=other_staff.pk).is_active
    assert list(moderator.groups.all()) == [group]
    assert [action for _, action, _, _ in _entries()] == [Action.USER_SUSPEND, Action.USER_ROLES]


def test_moderators_group_has_exactly_the_moderation_permissions():
    group = Group.objects.get(name="Moderators")
    granted = set(group.permissions.values_list("content_type__app_label", "codename").order_by())
    assert granted == {
        ("accounts", "view_user"),
        ("accounts", "change_user"),
        ("tweets", "view_tweet"),
        ("tweets", "change_tweet"),
        ("tweets", "delete_tweet"),
        ("tweets", "view_report"),
        ("tweets", "change_report"),
        ("moderation", "view_auditlogentry"),
    }
