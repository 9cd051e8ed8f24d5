"""The moderation admin: who gets in, what each page and action does, and what it costs."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import PASSWORD, user_create
from moderation import admin as moderation_admin
from moderation.models import AuditLogEntry
from social.services import follow_create
from timelines.selectors import timeline_home
from tweets.models import Report, Tweet
from tweets.services import report_create, retweet_create
from tweets.tests.factories import post

pytestmark = pytest.mark.django_db

Action = AuditLogEntry.Action
USERS, TWEETS = "/admin/accounts/user/", "/admin/tweets/tweet/"
REPORTS, AUDIT = "/admin/tweets/report/", "/admin/moderation/auditlogentry/"
CHANGELISTS = [
    USERS,
    f"{USERS}?privacy__exact=private",
    f"{USERS}?verified__exact=1",
    f"{USERS}?is_active__exact=0",
    f"{USERS}?is_staff__exact=1",
    f"{USERS}?q=auth",
    f"{USERS}?q=author@example.com",
    TWEETS,
    f"{TWEETS}?hidden=yes",
    f"{TWEETS}?hidden=no",
    f"{TWEETS}?reply=yes",
    f"{TWEETS}?reply=no",
    f"{TWEETS}?retweet=plain",
    f"{TWEETS}?retweet=quote",
    f"{TWEETS}?retweet=no",
    f"{TWEETS}?media=yes",
    f"{TWEETS}?media=no",
    f"{TWEETS}?posted=24h",
    f"{TWEETS}?posted=7d",
    f"{TWEETS}?posted=30d",
    f"{TWEETS}?posted=older",
    f"{TWEETS}?q=lighthouse",
    f"{TWEETS}?q=lighthouse&media=yes&posted=7d",
    REPORTS,
    f"{REPORTS}?status=resolved",
    f"{REPORTS}?status=all",
    AUDIT,
    f"{AUDIT}?action__exact=tweet_hide",
]


@pytest.fixture
def moderator():
    user = user_create(username="mod", is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


@pytest.fixture
def superuser():
    return User.objects.create_superuser("root", "root@example.com", PASSWORD)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def world():
    """An author with a reported tweet, a follower, a reply and a retweet."""
    author, reader = user_create(username="author"), user_create(username="reader")
    follow_create(follower=reader, followee=author)
    tweet = post(author, "zanzibar lighthouse #tag", media_urls=["https://example.com/a.jpg"])
    post(reader, "a reply", reply_to_id=tweet.pk)
    retweet_create(user=reader, tweet_id=tweet.pk)
    report, _ = report_create(reporter=reader, tweet_id=tweet.pk, reason="spam")
    return author, reader, tweet, report


@pytest.mark.parametrize("url", [USERS, TWEETS, REPORTS, AUDIT, "/admin/"])
def test_anonymous_and_non_staff_are_sent_to_the_admin_login(url):
    for client in (Client(), _client(user_create())):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("url", CHANGELISTS)
def test_every_changelist_renders_without_counting_a_whole_table(url, moderator, world):
    with CaptureQueriesContext(connection) as captured:
        response = _client(moderator).get(url)

    assert response.status_code == 200
    counts = [q["sql"] for q in captured.captured_queries if re.search(r"COUNT\(", q["sql"], re.I)]
    assert counts, "the paginator counts (boundedly)"
    for sql in counts:
        assert re.search(r"^SELECT COUNT\(\*\) FROM \(SELECT .* LIMIT \d+\) subquery$", sql, re.S)
        # A search's recency windows (tweets_search_newest) are each ordered and LIMITed
        # inside their ARRAY(...); the count itself must not sort.
        assert "ORDER BY" not in re.sub(r"ANY\(ARRAY\(.*\)\)", "", sql, flags=re.S)


def test_the_changelist_count_is_capped_and_shown_with_a_plus(moderator, world, monkeypatch):
    author = world[0]
    for n in range(3):
        post(author, f"more {n}")
    monkeypatch.setattr("moderation.paginator.CappedCountPaginator.cap", 2)

    response = _client(moderator).get(TWEETS)

    assert response.context["cl"].result_count == 2
    assert re.search(r"2\+\s+tweets", response.content.decode())


def test_tweet_filters_and_search_select_the_right_rows(moderator, world):
    tweet = world[2]
    client = _client(moderator)

    def listed(query: str) -> set[int]:
        return {row.pk for row in client.get(f"{TWEETS}?{query}").context["cl"].result_list}

    reply = Tweet.objects.get(reply_to=tweet)
    retweet = Tweet.objects.get(original_tweet=tweet)
    assert listed("reply=yes") == {reply.pk}
    assert listed("retweet=plain") == {retweet.pk}
    assert listed("media=yes") == {tweet.pk}
    assert listed("q=lighthouses") == {tweet.pk}  # stemmed, like the search page
    assert listed("q=nothing-like-this") == set()
    assert listed("posted=older") == set()
    assert listed("hidden=yes") == set()


def test_users_search_by_username_prefix_or_exact_email(moderator, world):
    client = _client(moderator)

    def listed(term: str) -> set[str]:
        rows = client.get(USERS, {"q": term}).context["cl"].result_list
        return {user.username for user in rows}

    assert listed("AUTH") == {"author"}
    assert listed("@read") == {"reader"}
    assert listed("Author@Example.com") == {"author"}
    assert listed("author@example") == set()  # e-mail addresses match whole


def test_user_actions_go_through_the_services(moderator, world):
    author, reader, tweet, _ = world
    client = _client(moderator)

    def act(action: str) -> None:
        response = client.post(USERS, {"action": action, "_selected_action": [author.pk]})
        assert response.status_code == 302

    act("suspend")
    assert not User.objects.get(pk=author.pk).is_active
    assert timeline_home(viewer=reader).items == [Tweet.objects.get(reply_to=tweet)]
    act("unsuspend")
    act("verify")
    act("unverify")

    author.refresh_from_db()
    assert (author.is_active, author.verified) == (True, False)
    assert list(AuditLogEntry.objects.order_by("id").values_list("action", flat=True)) == [
        Action.USER_SUSPEND,
        Action.USER_UNSUSPEND,
        Action.USER_VERIFY,
        Action.USER_UNVERIFY,
    ]


def test_a_moderator_cannot_suspend_staff_from_the_admin(moderator):
    other_staff = user_create(is_staff=True)

    response = _client(moderator).post(
        USERS, {"action": "suspend", "_selected_action": [other_staff.pk]}, follow=True
    )

    assert "Only superusers" in response.content.decode()
    assert User.objects.get(pk=other_staff.pk).is_active
    assert not AuditLogEntry.objects.exists()


def _change_form(user: User, **fields) -> dict:
    data = {"verified": "on" if user.verified else "", "is_active": "on"}
    data.update(fields)
    return {key: value for key, value in data.items() if value != ""}


def test_a_moderator_changes_the_badge_but_not_staff_roles_or_groups(moderator, world):
    author = world[0]
    group = Group.objects.get(name="Moderators")

    response = _client(moderator).post(
        f"{USERS}{author.pk}/change/",
        _change_form(author, verified="on", is_staff="on", is_superuser="on", groups=[group.pk]),
    )

    assert response.status_code == 302
    author.refresh_from_db()
    assert author.verified
    assert not (author.is_staff or author.is_superuser or author.groups.exists())
    assert AuditLogEntry.objects.get().action == Action.USER_VERIFY
    form = _client(moderator).get(f"{USERS}{author.pk}/change/").context["adminform"].form
    assert not {"is_staff", "is_superuser", "groups", "user_permissions"} & set(form.fields)


def test_a_superuser_manages_staff_with_an_audit_row(superuser, world):
    author = world[0]
    group = Group.objects.get(name="Moderators")

    response = _client(superuser).post(
        f"{USERS}{author.pk}/change/", _change_form(author, is_staff="on", groups=[group.pk])
    )

    assert response.status_code == 302
    author.refresh_from_db()
    assert author.is_staff and not author.is_superuser
    assert list(author.groups.all()) == [group]
    entry = AuditLogEntry.objects.get()
    assert (entry.action, entry.target_user_id) == (Action.USER_ROLES, author.pk)
    assert "Moderators" in entry.note


def test_unchecking_active_in_the_change_form_suspends(moderator, world):
    author = world[0]

    _client(moderator).post(f"{USERS}{author.pk}/change/", {"verified": ""})

    assert not User.objects.get(pk=author.pk).is_active
    assert AuditLogEntry.objects.get().action == Action.USER_SUSPEND


def test_users_cannot_be_added_or_deleted_in_the_admin(moderator, superuser, world):
    author = world[0]
    for client in (_client(moderator), _client(superuser)):
        assert client.get(f"{USERS}add/").status_code == 403
        assert client.get(f"{USERS}{author.pk}/delete/").status_code == 403
    assert _client(moderator).get("/admin/auth/group/").status_code == 403


def test_tweet_hide_unhide_and_delete_actions(moderator, world):
    author, reader, tweet, _ = world
    client = _client(moderator)

    client.post(TWEETS, {"action": "hide", "_selected_action": [tweet.pk]})
    assert Tweet.objects.get(pk=tweet.pk).is_hidden
    assert tweet.pk not in {t.pk for t in timeline_home(viewer=reader).items}
    client.post(TWEETS, {"action": "unhide", "_selected_action": [tweet.pk]})
    assert not Tweet.objects.get(pk=tweet.pk).is_hidden

    confirm = client.post(TWEETS, {"action": "delete_selected", "_selected_action": [tweet.pk]})
    assert confirm.status_code == 200 and "Are you sure" in confirm.content.decode()
    client.post(
        TWEETS, {"action": "delete_selected", "_selected_action": [tweet.pk], "post": "yes"}
    )

    assert not Tweet.objects.filter(pk=tweet.pk).exists()
    # The plain retweet went with it; the reply stays, detached.
    assert User.objects.get(pk=author.pk).tweets_count == 0
    assert User.objects.get(pk=reader.pk).tweets_count == 1
    assert tweet.pk not in {t.pk for t in timeline_home(viewer=reader).items}
    assert list(AuditLogEntry.objects.order_by("id").values_list("action", flat=True)) == [
        Action.TWEET_HIDE,
        Action.TWEET_UNHIDE,
        Action.TWEET_DELETE,
    ]


def test_the_tweet_delete_view_uses_the_service(moderator, world):
    author, _, tweet, _ = world
    client = _client(moderator)

    assert client.get(f"{TWEETS}{tweet.pk}/delete/").status_code == 200
    response = client.post(f"{TWEETS}{tweet.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Tweet.objects.filter(pk=tweet.pk).exists()
    assert User.objects.get(pk=author.pk).tweets_count == 0
    assert AuditLogEntry.objects.get().target_tweet_id == tweet.pk


def test_the_tweet_change_form_hides_through_the_service(moderator, world):
    tweet = world[2]

    response = _client(moderator).post(f"{TWEETS}{tweet.pk}/change/", {"is_hidden": "on"})

    assert response.status_code == 302
    assert Tweet.objects.get(pk=tweet.pk).is_hidden
    assert AuditLogEntry.objects.get().action == Action.TWEET_HIDE


def test_actions_refuse_more_rows_than_the_limit(moderator, world, monkeypatch):
    author, tweet = world[0], world[2]
    post(author, "second")
    monkeypatch.setattr(moderation_admin, "MAX_ACTION_ROWS", 1)

    # "Select all N tweets": the action gets the whole filtered list, not the ticked rows.
    response = _client(moderator).post(
        TWEETS,
        {"action": "hide", "select_across": "1", "index": "0", "_selected_action": [tweet.pk]},
        follow=True,
    )

    assert "Select at most 1 rows" in response.content.decode()
    assert not Tweet.objects.filter(is_hidden=True).exists()

    delete_all = {"action": "delete_selected", "select_across": "1", "index": "0", "post": "yes"}
    refused = _client(moderator).post(TWEETS, {**delete_all, "_selected_action": [tweet.pk]})

    assert "Cannot delete" in refused.content.decode()
    assert Tweet.objects.filter(user=author).count() == 2
    assert not AuditLogEntry.objects.exists()


def test_report_queue_lists_open_reports_newest_first_with_tweet_and_people(moderator, world):
    author, _, tweet, first = world
    later, _ = report_create(reporter=user_create(), tweet_id=tweet.pk, reason="again")
    closed, _ = report_create(
        reporter=author, tweet_id=Tweet.objects.get(reply_to=tweet).pk, reason="x"
    )
    Report.objects.filter(pk=closed.pk)  # stays open until dismissed below
    client = _client(moderator)
    client.post(REPORTS, {"action": "dismiss", "_selected_action": [closed.pk]})

    response = client.get(REPORTS)

    assert [r.pk for r in response.context["cl"].result_list] == [later.pk, first.pk]
    page = response.content.decode()
    assert "zanzibar lighthouse" in page and "@author" in page and "@reader" in page


def test_report_actions(moderator, world):
    author, reader, tweet, report = world
    client = _client(moderator)

    client.post(REPORTS, {"action": "resolve_and_hide", "_selected_action": [report.pk]})
    assert Report.objects.get(pk=report.pk).status == "resolved"
    assert Tweet.objects.get(pk=tweet.pk).is_hidden

    other, _ = report_create(reporter=reader, tweet_id=post(author, "more").pk, reason="abuse")
    client.post(REPORTS, {"action": "suspend_author", "_selected_action": [other.pk]})

    assert not User.objects.get(pk=author.pk).is_active
    assert Report.objects.get(pk=other.pk).status == "resolved"
    assert list(AuditLogEntry.objects.order_by("id").values_list("action", flat=True)) == [
        Action.REPORT_RESOLVE,
        Action.REPORT_SUSPEND_AUTHOR,
    ]


def test_the_audit_log_is_read_only_for_everyone(moderator, superuser, world):
    tweet = world[2]
    _client(moderator).post(TWEETS, {"action": "hide", "_selected_action": [tweet.pk]})
    entry = AuditLogEntry.objects.get()

    for client in (_client(moderator), _client(superuser)):
        assert client.get(AUDIT).status_code == 200
        view = client.get(f"{AUDIT}{entry.pk}/change/")
        assert view.status_code == 200 and not view.context["has_change_permission"]
        assert client.post(f"{AUDIT}{entry.pk}/change/", {"note": "rewritten"}).status_code == 403
        assert client.get(f"{AUDIT}add/").status_code == 403
        assert client.get(f"{AUDIT}{entry.pk}/delete/").status_code == 403
    assert AuditLogEntry.objects.get().note == ""


def _plan(queryset) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    return queryset.explain()


def test_admin_searches_use_the_indexes(moderator, world):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = moderator
    site_admin = moderation_admin.admin.site
    tweets = site_admin._registry[Tweet]
    users = site_admin._registry[User]

    found, _ = tweets.get_search_results(request, Tweet.objects.all(), "lighthouse")
    by_name, _ = users.get_search_results(request, User.objects.all(), "auth")
    by_email, _ = users.get_search_results(request, User.objects.all(), "author@example.com")

    assert "idx_tweets_content_fts" in _plan(found)
    assert "idx_users_username_prefix" in _plan(by_name)
    assert "idx_users_email_lower" in _plan(by_email)
    hidden = Tweet.objects.filter(is_hidden=True).order_by("-created_at", "-id")
    assert "idx_tweets_hidden" in _plan(hidden)


def _query_count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("url", [TWEETS, REPORTS, AUDIT, USERS])
def test_changelist_queries_do_not_grow_with_rows(url, superuser, world):
    client = _client(superuser)
    _client(superuser).post(TWEETS, {"action": "hide", "_selected_action": [world[2].pk]})
    before = _query_count(client, url)
    for n in range(3):
        author = user_create()
        tweet = post(author, f"row {n}")
        report_create(reporter=user_create(), tweet_id=tweet.pk, reason="spam")
        client.post(TWEETS, {"action": "hide", "_selected_action": [tweet.pk]})

    assert _query_count(client, url) == before


def test_user_change_form_fetches_permissions_in_one_query(superuser, world):
    author = world[0]

    assert _query_count(_client(superuser), f"{USERS}{author.pk}/change/") <= 10


def test_search_pages_are_short(moderator, world):
    author = world[0]
    for n in range(55):  # more than a normal page (50): otherwise all are shown
        post(author, f"lighthouse {n}")

    cl = _client(moderator).get(TWEETS, {"q": "lighthouse"}).context["cl"]

    assert len(cl.result_list) == moderation_admin.SEARCH_PAGE_ROWS
    assert cl.paginator.num_pages == 3  # 56 matches


def _aged(author, content: str, age: timedelta, now) -> Tweet:
    tweet = post(author, content)
    Tweet.objects.filter(pk=tweet.pk).update(created_at=now - age)
    tweet.created_at = now - age
    return tweet


def test_admin_search_matches_are_the_newest_and_pages_follow_them():
    # The admin shares search.selectors.tweets_search_newest (recency windows).
    author = user_create()
    now = timezone.now()
    old = _aged(author, "heron old", timedelta(days=40), now)
    recent = [_aged(author, f"heron {n}", timedelta(hours=n), now) for n in range(3)]
    newest_first = Tweet.objects.order_by("-created_at", "-id")

    found, _ = moderation_admin.TweetAdmin(Tweet, None).get_search_results(
        None, newest_first, "heron"
    )
    by_likes, _ = moderation_admin.TweetAdmin(Tweet, None).get_search_results(
        None, Tweet.objects.order_by("-like_count"), "heron"
    )

    assert [t.pk for t in found] == [t.pk for t in recent] + [old.pk]
    assert moderation_admin.COUNT_CAP + 1 > found.count() == by_likes.count() == 4
    assert "UNION ALL" in str(found.query) and "UNION ALL" not in str(by_likes.query)
