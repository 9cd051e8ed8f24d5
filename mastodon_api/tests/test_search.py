"""v2 search, trending tags, suggestions, preferences and custom emojis."""

import pytest
from django.test import Client

from accounts.models import Privacy
from accounts.tests.factories import user_create
from social.services import block_create, follow_create, mute_create
from tweets.tests.factories import post

from .helpers import token_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    settings.API_THROTTLING = False


def _api(user, scope: str = "read write follow push") -> Client:
    return Client(headers={"authorization": f"Bearer {token_for(user, scope=scope)}"})


def test_v2_search_finds_accounts_statuses_and_hashtags_through_the_rule():
    alice = user_create(username="alice")
    bob = user_create(username="bob")
    hidden = user_create(username="bobsecret", privacy=Privacy.PRIVATE)
    blocker = user_create(username="bobblock")
    block_create(blocker=blocker, blocked=alice)
    seen = post(bob, "the giraffe walks #savanna")
    post(hidden, "the giraffe hides #savanna")
    post(blocker, "the giraffe blocks #savanna")
    api = _api(alice)
    accounts = api.get("/api/v2/search?q=bob&type=accounts").json()
    assert [a["username"] for a in accounts["accounts"]] == ["bob"]
    assert accounts["statuses"] == [] and accounts["hashtags"] == []
    statuses = api.get("/api/v2/search?q=giraffe&type=statuses").json()["statuses"]
    assert [s["id"] for s in statuses] == [str(seen.pk)]
    everything = api.get("/api/v2/search?q=savanna&resolve=true").json()
    assert [t["name"] for t in everything["hashtags"]] == ["savanna"]
    assert set(everything["hashtags"][0]) >= {"name", "url", "history"}
    assert [s["id"] for s in everything["statuses"]] == [str(seen.pk)]
    # Anonymous: the same rule for a signed-out reader.
    anonymous = Client().get("/api/v2/search?q=giraffe").json()
    assert {s["id"] for s in anonymous["statuses"]} == {str(seen.pk), str(blocker_status(blocker))}


def blocker_status(user) -> int:
    return user.tweets.get().pk


def test_v2_search_offset_limit_and_bad_input():
    alice = user_create(username="alice")
    ids = [post(alice, f"zebra number {n}").pk for n in range(5)]
    api = _api(alice)
    page = api.get("/api/v2/search?q=zebra&type=statuses&limit=2&offset=2").json()["statuses"]
    assert [s["id"] for s in page] == [str(ids[2]), str(ids[1])]
    assert api.get("/api/v2/search?q=zebra&type=people").status_code == 422
    assert api.get("/api/v2/search?q=zebra&offset=-1").status_code == 422
    empty = api.get("/api/v2/search?q=").json()
    assert empty == {"accounts": [], "statuses": [], "hashtags": []}
    # A muted account's statuses leave the muter's search, as on the project's search page.
    bob = user_create(username="bob")
    post(bob, "zebra from bob")
    mute_create(muter=alice, muted=bob)
    assert len(api.get("/api/v2/search?q=zebra&type=statuses").json()["statuses"]) == 5


def test_trending_tags_have_history_and_leave_protected_words_out():
    public = [user_create(username=f"p{n}") for n in range(2)]
    locked = user_create(username="locked", privacy=Privacy.PROTECTED)
    for user in public:
        post(user, "#opentag here")
    post(locked, "#lockedtag here")
    tags = Client().get("/api/v1/trends/tags").json()
    assert [t["name"] for t in tags] == ["opentag"]
    history = tags[0]["history"]
    assert history[0]["accounts"] == "2" and history[0]["uses"] == "2"
    assert set(history[0]) == {"day", "uses", "accounts"} and history[0]["day"].isdigit()
    assert Client().get("/api/v1/trends/tags?limit=abc").status_code == 422


def test_suggestions_preferences_and_custom_emojis():
    alice = user_create(username="alice")
    bob = user_create(username="bob")
    carol = user_create(username="carol")
    follow_create(follower=alice, followee=bob)
    follow_create(follower=bob, followee=carol)
    api = _api(alice)
    suggestions = api.get("/api/v2/suggestions").json()
    assert [s["account"]["username"] for s in suggestions] == ["carol"]
    assert set(suggestions[0]) == {"source", "sources", "account"}
    assert Client().get("/api/v2/suggestions").status_code == 401
    preferences = api.get("/api/v1/preferences").json()
    assert preferences["posting:default:visibility"] == "public"
    assert preferences["reading:expand:spoilers"] is False
    assert Client().get("/api/v1/custom_emojis").json() == []


def test_an_account_the_viewer_blocked_or_muted_is_found_by_its_exact_name_for_that_viewer_only():
    # Clients (toot) search an account's name before they unblock or unmute it.
    alice = user_create(username="alice")
    carol = user_create(username="carol")
    muted = user_create(username="mutedbob")
    blocked = user_create(username="blockedbob")
    blocker = user_create(username="blockerbob")
    mute_create(muter=alice, muted=muted)
    block_create(blocker=alice, blocked=blocked)
    block_create(blocker=blocker, blocked=alice)
    alice_api = _api(alice)

    def found(api, query: str, path: str = "/api/v2/search?type=accounts&q=") -> list[str]:
        answer = api.get(path + query).json()
        accounts = answer["accounts"] if isinstance(answer, dict) else answer
        return [a["username"] for a in accounts]

    for name in ("mutedbob", "@mutedbob", "MutedBob", "mutedbob@testserver"):
        assert found(alice_api, name) == ["mutedbob"], name
    assert found(alice_api, "blockedbob") == ["blockedbob"]
    assert found(alice_api, "blockedbob", "/api/v1/accounts/search?q=") == ["blockedbob"]
    # Not by a prefix, not on another host, and never an account that blocks the viewer.
    assert found(alice_api, "mutedb") == []
    assert found(alice_api, "mutedbob@elsewhere.example") == []
    assert found(alice_api, "blockerbob") == []
    # Carol muted and blocked nobody: her search is the people search.
    assert found(_api(carol), "mutedbob") == ["mutedbob"]
    assert found(_api(carol), "blockerbob") == ["blockerbob"]
    # The blocker finds whom they blocked (to unblock); the blocked account never finds them.
    assert found(_api(blocker), "alice") == ["alice"]
