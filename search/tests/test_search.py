"""GET /search: tweets by full-text search, users by name prefix, both through the privacy rule.

Private (and protected) accounts' tweets never appear for those who may not see them; private
accounts are listed only to those who may see them; blocked and suspended accounts never.
"""

import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.utils import timezone as django_timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from accounts.models import Privacy, User
from accounts.services import token_create, user_set_active
from accounts.tests.factories import user_create
from search import selectors
from social.selectors import user_listed_q
from social.services import block_create, follow_create, follow_request_approve, privacy_set
from tweets.models import Tweet
from tweets.services import retweet_create
from tweets.tests.factories import post

pytestmark = pytest.mark.django_db

SEARCH = "/api/v1/search"


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_create(user=user)}")
    return client


def follow_approved(follower, owner) -> None:
    follow_create(follower=follower, followee=owner)
    if owner.privacy != Privacy.PUBLIC:
        follow_request_approve(owner=owner, requester=follower)


def search(client, q, **params):
    return client.get(SEARCH, {"q": q, **params})


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


def usernames(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["username"] for item in response.json()["results"]]


@pytest.fixture
def author():
    return user_create(username="author")


# Tweets: full text.


def test_tweets_match_by_word_stem_newest_first(author):
    older = post(author, "I was running late")
    newer = post(author, "She runs every day")
    post(author, "nothing to see")

    assert ids(search(client_for(), "run")) == [newer.pk, older.pk]
    assert ids(search(client_for(), "RUNNING")) == [newer.pk, older.pk]


def test_type_defaults_to_tweets_and_results_are_full_tweets(author):
    user_create(username="reader")
    tweet = post(author, "hello @reader #greetings")

    body = search(client_for(), "hello").json()

    assert body["next"] is None
    assert [t["id"] for t in body["results"]] == [tweet.pk]
    assert body["results"][0]["mentions"] == ["reader"]
    assert body["results"][0]["author"]["username"] == "author"


def test_web_search_syntax_phrases_or_and_exclusion(author):
    red_car = post(author, "a red car")
    red_bike = post(author, "a red bike")
    car_red = post(author, "the car is red")

    assert set(ids(search(client_for(), '"red car"'))) == {red_car.pk}
    assert set(ids(search(client_for(), "red -bike"))) == {red_car.pk, car_red.pk}
    assert set(ids(search(client_for(), "bike or car"))) == {red_car.pk, red_bike.pk, car_red.pk}


def test_stop_words_alone_and_pure_syntax_match_nothing(author):
    post(author, "the and of")

    for q in ["the", "and of", '"', "-", "or", "!!", "&|", "(", ":*", "'", "\\"]:
        assert ids(search(client_for(), q)) == [], q


def test_plain_retweets_are_not_results_but_quotes_are(author):
    other = user_create()
    original = post(other, "original zebra")
    retweet_create(user=author, tweet_id=original.pk)
    quote = post(author, "zebra again", quote_of_id=original.pk)

    assert set(ids(search(client_for(), "zebra"))) == {original.pk, quote.pk}


def test_tweet_search_pages_with_next(author):
    tweets = [post(author, f"paging word {n}") for n in range(5)]
    client = client_for()

    first = search(client, "paging", limit=2)
    second = client.get(first.json()["next"])
    third = client.get(second.json()["next"])

    assert ids(first) + ids(second) + ids(third) == [t.pk for t in reversed(tweets)]
    assert third.json()["next"] is None


# Tweets: the privacy rule (DESIGN "Privacy": private accounts never in search for non-followers).


@pytest.mark.parametrize("privacy", [Privacy.PROTECTED, Privacy.PRIVATE])
def test_locked_accounts_tweets_only_for_approved_followers_and_the_owner(privacy):
    owner = user_create(privacy=privacy)
    follower, requester = user_create(), user_create()
    follow_approved(follower, owner)
    follow_create(follower=requester, followee=owner)  # still pending
    tweet = post(owner, "secret platypus")
    public = post(user_create(), "public platypus")

    for viewer in (None, user_create(), requester, user_create(is_staff=True)):
        assert ids(search(client_for(viewer), "platypus")) == [public.pk]
    for viewer in (owner, follower):
        assert ids(search(client_for(viewer), "platypus")) == [public.pk, tweet.pk]


def test_tweets_of_accounts_blocked_either_way_are_left_out(author):
    blocker, blocked = user_create(), user_create()
    block_create(blocker=blocker, blocked=author)
    block_create(blocker=author, blocked=blocked)
    tweet = post(author, "quokka")

    assert ids(search(client_for(blocker), "quokka")) == []
    assert ids(search(client_for(blocked), "quokka")) == []
    assert ids(search(client_for(), "quokka")) == [tweet.pk]


def test_hidden_and_suspended_tweets_are_left_out(author):
    hidden = post(author, "axolotl hidden")
    Tweet.objects.filter(pk=hidden.pk).update(is_hidden=True)  # moderation has no service yet
    suspended = user_create()
    gone = post(suspended, "axolotl gone")
    user_set_active(user=suspended, active=False)

    assert ids(search(client_for(), "axolotl")) == []
    assert ids(search(client_for(author), "axolotl")) == [hidden.pk]
    assert ids(search(client_for(user_create(is_staff=True)), "axolotl")) == [gone.pk, hidden.pk]


def test_a_private_tweet_quoted_before_locking_never_leaks_its_text(author):
    owner = user_create()
    quote = post(author, "look at this narwhal", quote_of_id=post(owner, "narwhal secret").pk)
    follow_create(follower=user_create(), followee=owner)
    privacy_set(user=owner, privacy=Privacy.PRIVATE)

    response = search(client_for(), "narwhal")

    assert ids(response) == [quote.pk]
    assert "narwhal secret" not in json.dumps(response.json())


# Users: name prefix, listed only through user_listed_q.


def test_users_match_a_username_or_display_name_prefix_in_username_order():
    user_create(username="zed_ann", display_name="Annie Zed")
    user_create(username="ann", display_name="Someone")
    user_create(username="annabel", display_name="Bel")
    user_create(username="bob", display_name="bob the annotator")

    response = search(client_for(), "ANN", type="users")

    assert usernames(response) == ["ann", "annabel", "zed_ann"]
    assert set(response.json()["results"][0]) >= {"id", "display_name", "followers_count"}


def test_a_leading_at_sign_is_ignored():
    user_create(username="carol")

    assert usernames(search(client_for(), "@car", type="users")) == ["carol"]
    assert usernames(search(client_for(), "@", type="users")) == []


def test_like_wildcards_are_literal():
    user_create(username="a_b")
    user_create(username="axb", display_name="100% real")

    assert usernames(search(client_for(), "a_", type="users")) == ["a_b"]
    assert usernames(search(client_for(), "%", type="users")) == []
    assert usernames(search(client_for(), "100%", type="users")) == ["axb"]
    assert usernames(search(client_for(), "\\", type="users")) == []


def test_private_accounts_are_listed_only_to_those_who_may_see_them():
    owner = user_create(username="privy", privacy=Privacy.PRIVATE)
    user_create(username="prote", privacy=Privacy.PROTECTED)
    follower, requester = user_create(), user_create()
    follow_approved(follower, owner)
    follow_create(follower=requester, followee=owner)

    for viewer in (None, user_create(), requester):
        assert usernames(search(client_for(viewer), "pr", type="users")) == ["prote"]
    for viewer in (owner, follower):
        assert usernames(search(client_for(viewer), "pr", type="users")) == ["privy", "prote"]


def test_blocked_and_suspended_accounts_are_not_listed():
    viewer = user_create(username="viewer")
    blocker, blocked = user_create(username="dan_blocker"), user_create(username="dan_blocked")
    block_create(blocker=blocker, blocked=viewer)
    block_create(blocker=viewer, blocked=blocked)
    user_set_active(user=user_create(username="dan_gone"), active=False)
    user_create(username="dan_ok")

    assert usernames(search(client_for(viewer), "dan", type="users")) == ["dan_ok"]
    everyone = ["dan_blocked", "dan_blocker", "dan_ok"]
    assert usernames(search(client_for(), "dan", type="users")) == everyone


def test_user_search_lists_exactly_whom_user_listed_q_lists_for_each_viewer_kind():
    owner = user_create(username="kin_private", privacy=Privacy.PRIVATE)
    user_create(username="kin_protected", privacy=Privacy.PROTECTED)
    user_create(username="kin_public")
    follower, blocker = user_create(username="kin_follower"), user_create(username="kin_blocker")
    follow_approved(follower, owner)
    staff = user_create(username="kin_staff", is_staff=True)
    user_set_active(user=user_create(username="kin_gone"), active=False)
    block_create(blocker=blocker, blocked=follower)

    for viewer in (AnonymousUser(), user_create(), owner, follower, blocker, staff):
        rule = User.objects.filter(user_listed_q(viewer=viewer), username__startswith="kin_")
        found = selectors.users_search(viewer=viewer, query="kin_", limit=100).items
        assert [u.username for u in found] == sorted(u.username for u in rule)


def test_user_search_pages_with_next():
    names = [f"eve{n}" for n in range(5)]
    for name in reversed(names):
        user_create(username=name)
    client = client_for()

    first = search(client, "eve", type="users", limit=2)
    second = client.get(first.json()["next"])
    third = client.get(second.json()["next"])

    assert usernames(first) + usernames(second) + usernames(third) == names
    assert third.json()["next"] is None


# Bad input: a clear 400, never a 500.


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "q"),
        ({"q": ""}, "q"),
        ({"q": "   "}, "q"),
        ({"q": "x" * 101}, "q"),
        ({"q": "nul\x00byte"}, "q"),
        ({"q": "x", "type": "hashtags"}, "type"),
        ({"q": "x", "limit": "0"}, "limit"),
        ({"q": "x", "limit": "-1"}, "limit"),
        ({"q": "x", "limit": "101"}, "limit"),
        ({"q": "x", "limit": "abc"}, "limit"),
        ({"q": "x", "cursor": "garbage"}, "cursor"),
        ({"q": "x", "type": "users", "cursor": "garbage"}, "cursor"),
        ({"q": "x", "cursor": "x" * 1001}, "cursor"),
    ],
    ids=lambda v: repr(v)[:40],
)
def test_bad_search_parameters_are_400(params, field):
    response = client_for().get(SEARCH, params)

    assert response.status_code == 400
    assert field in response.json()


def test_a_query_of_100_characters_is_fine():
    assert search(client_for(), "x" * 100).status_code == 200
    assert search(client_for(), "x" * 100, type="users").status_code == 200


@pytest.mark.parametrize("kind", ["tweets", "users"])
def test_tampered_or_foreign_cursors_are_400(author, kind):
    for n in range(3):
        post(author, f"cursor word {n}")
        user_create(username=f"cursor{n}")
    client = client_for()
    cursor = search(client, "cursor", type=kind, limit=1).json()["next"].split("cursor=")[1]
    other_kind = "users" if kind == "tweets" else "tweets"
    other = search(client, "cursor", type=other_kind, limit=1).json()["next"].split("cursor=")[1]
    cursor, other = cursor.split("&")[0], other.split("&")[0]

    tampered = client.get(f"{SEARCH}?q=cursor&type={kind}&cursor={cursor[:-2]}zz")
    foreign = client.get(f"{SEARCH}?q=cursor&type={kind}&cursor={other}")

    for response in (tampered, foreign):
        assert response.status_code == 400
        assert response.json() == {"cursor": ["Invalid or expired cursor."]}


# Query counts do not grow with the page.


@pytest.mark.parametrize("count", [1, 30])
def test_tweet_search_queries_do_not_grow_with_the_page(count, django_assert_num_queries):
    reader = user_create(username="reader")
    author = user_create()
    for n in range(count):
        post(author, f"counted {n} @reader")
    client = client_for(reader)

    # Token, savepoint, planner setting, tweets with mentions' usernames, savepoint release.
    with django_assert_num_queries(5):
        assert len(ids(search(client, "counted", limit=30))) == count


@pytest.mark.parametrize("count", [1, 30])
def test_user_search_queries_do_not_grow_with_the_page(count, django_assert_num_queries):
    for n in range(count):
        user_create(username=f"counted{n}")
    client = client_for(user_create())

    # Token, users.
    with django_assert_num_queries(2):
        assert len(usernames(search(client, "counted", type="users", limit=30))) == count


# The queries repeat the indexed expressions exactly, so the indexes can serve them.


def _plan(run) -> str:
    """EXPLAIN the last query `run` makes, with sequential scans priced out."""
    captured = []

    def capture(execute, sql, params, many, context):
        captured.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        run()
    sql, params = [query for query in captured if query[0].startswith("SELECT")][-1]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_tweet_search_can_use_the_full_text_index(author, anonymous):
    # Enough recent tweets that the recency windows (ranges of idx_tweets_created) are not
    # more selective than the word, as at scale.
    for n in range(60):
        post(author, f"filler {n}")
    post(author, "indexed words")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tweets")

    plan = _plan(lambda: selectors.tweets_search(viewer=anonymous, query="indexed"))

    assert "idx_tweets_content_fts" in plan


def test_user_search_can_use_the_name_prefix_indexes(anonymous):
    user_create(username="indexed")

    plan = _plan(lambda: selectors.users_search(viewer=anonymous, query="ind"))

    assert "idx_users_username_prefix" in plan
    assert "idx_users_display_name_prefix" in plan


# Recency windows (tweets_search_newest): pages stay exact across the windows' bounds.

HOUR = timedelta(hours=1)
# Ages straddling the bounds for a page (6 h, 1 d) and for longer lists (4 d, 16 d...).
AGES = [
    timedelta(0),
    HOUR,
    6 * HOUR - timedelta(microseconds=1),
    6 * HOUR,
    6 * HOUR + timedelta(microseconds=1),
    12 * HOUR,
    24 * HOUR,
    25 * HOUR,
    4 * 24 * HOUR,
    17 * 24 * HOUR,
    70 * 24 * HOUR,
    400 * 24 * HOUR,
]


def _aged(author, content: str, age: timedelta, now) -> Tweet:
    tweet = post(author, content)
    # Pinned timestamps (as twitterclone/tests/test_pagination.py): the service stamps now.
    Tweet.objects.filter(pk=tweet.pk).update(created_at=now - age)
    tweet.created_at = now - age
    return tweet


def _all_pages(viewer, query: str, limit: int) -> list[int]:
    seen, cursor = [], None
    for _ in range(100):
        page = selectors.tweets_search(viewer=viewer, query=query, cursor=cursor, limit=limit)
        seen += [tweet.pk for tweet in page.items]
        cursor = page.next_cursor
        if cursor is None:
            return seen
    raise AssertionError("paging did not end")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ages=st.lists(st.sampled_from(AGES), min_size=0, max_size=14),
    matching=st.lists(st.booleans(), min_size=14, max_size=14),
    limit=st.integers(min_value=1, max_value=4),
)
def test_pages_across_the_windows_are_every_match_newest_first_once(ages, matching, limit):
    with transaction.atomic():
        author = user_create()
        now = django_timezone.now()
        tweets = [
            _aged(author, "window word" if match else "other text", age, now)
            for age, match in zip(ages, matching, strict=False)
        ]
        expected = sorted(
            (t for t, match in zip(tweets, matching, strict=False) if match),
            key=lambda t: (t.created_at, t.pk),
            reverse=True,
        )

        assert _all_pages(AnonymousUser(), "window", limit) == [t.pk for t in expected]
        transaction.set_rollback(True)


def test_tweets_the_viewer_may_not_see_do_not_take_a_pages_places(author):
    now = django_timezone.now()
    locked = user_create(privacy=Privacy.PRIVATE)
    for n in range(25):  # the newest window holds more than a page, all private
        _aged(locked, f"marmot {n}", timedelta(minutes=n), now)
    older = [_aged(author, "marmot old", age, now) for age in (7 * HOUR, 3 * 24 * HOUR)]
    hidden = _aged(author, "marmot hidden", 2 * HOUR, now)
    Tweet.objects.filter(pk=hidden.pk).update(is_hidden=True)

    page = selectors.tweets_search(viewer=AnonymousUser(), query="marmot", limit=1)
    rest = _all_pages(AnonymousUser(), "marmot", 1)

    assert [t.pk for t in page.items] == [older[0].pk]
    assert rest == [older[0].pk, older[1].pk]
    assert len(_all_pages(locked, "marmot", 20)) == 25 + 2


@pytest.mark.parametrize("limit", [1, 2, 3])
def test_tweets_exactly_on_a_window_bound_and_ties_are_paged_once(author, limit):
    now = django_timezone.now()
    newest = _aged(author, "tied word", timedelta(0), now)
    # Exactly 6 h and 1 d older than the newest: the bounds of the windows a page after it
    # (whose upper end is its cursor, the newest's key) searches.
    tied = [_aged(author, "tied word", age, now) for age in [6 * HOUR] * 3 + [24 * HOUR] * 2]
    oldest = _aged(author, "tied word", 30 * 24 * HOUR, now)
    expected = [newest, *sorted(tied, key=lambda t: (t.created_at, t.pk), reverse=True), oldest]

    assert _all_pages(AnonymousUser(), "tied", limit) == [t.pk for t in expected]
