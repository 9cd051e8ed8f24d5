"""The mutes API: POST|DELETE /users/{username}/mute, GET /me/mutes, /me/muted-words.

Bad input is a 400 by field with nothing written; someone else's or an unseen thing is a 404;
the muted account never learns of the mute (relationship JSON); replies carry `muted`.
"""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Privacy
from accounts.services import user_set_active
from accounts.tests.factories import user_create
from social import services
from social.models import Mute, MutedWord
from social.services import block_create, mute_create, muted_word_create
from tweets.tests.factories import post
from twitterclone.tests.api_helpers import bearer_client

pytestmark = pytest.mark.django_db

API = "/api/v1"
WORDS = f"{API}/me/muted-words"


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    settings.API_THROTTLING = False


@pytest.fixture
def me():
    return user_create(username="me")


@pytest.fixture
def them():
    return user_create(username="them")


@pytest.fixture
def client(me):
    return bearer_client(user=me)


def _mute_url(username: str) -> str:
    return f"{API}/users/{username}/mute"


# Mute and unmute


def test_mute_and_unmute_answer_204_and_are_idempotent(client, me, them):
    for _ in range(2):
        response = client.post(_mute_url("THEM"))
        assert response.status_code == 204
    assert Mute.objects.filter(muter=me, muted=them).count() == 1

    for _ in range(2):
        response = client.delete(_mute_url("them"))
        assert response.status_code == 204
    assert not Mute.objects.exists()


def test_muting_yourself_is_a_400(client):
    response = client.post(_mute_url("me"))

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [services.CANNOT_MUTE_SELF]}
    assert not Mute.objects.exists()


@pytest.mark.parametrize("case", ["unknown", "suspended", "blocks_me"])
def test_muting_an_unknown_or_unseen_account_is_a_404(client, me, them, case):
    if case == "suspended":
        user_set_active(user=them, active=False)
    elif case == "blocks_me":
        block_create(blocker=them, blocked=me)
    username = "nobody" if case == "unknown" else "them"

    assert client.post(_mute_url(username)).status_code == 404
    assert client.delete(_mute_url(username)).status_code == 404
    assert not Mute.objects.exists()


def test_an_account_i_blocked_and_muted_can_still_be_unmuted(client, me, them):
    mute_create(muter=me, muted=them)
    block_create(blocker=me, blocked=them)

    assert client.delete(_mute_url("them")).status_code == 204
    assert not Mute.objects.exists()


def test_mute_endpoints_need_a_signed_in_user(them):
    anonymous = APIClient()

    assert anonymous.post(_mute_url("them")).status_code == 401
    assert anonymous.get(f"{API}/me/mutes").status_code == 401
    assert anonymous.get(WORDS).status_code == 401
    assert anonymous.post(WORDS, {"phrase": "x"}, format="json").status_code == 401


def test_relationship_json_shows_muting_to_the_muter_only(client, me, them):
    mute_create(muter=me, muted=them)

    mine = client.get(f"{API}/users/them").json()["relationship"]
    theirs = bearer_client(user=them).get(f"{API}/users/me")

    assert mine["muting"] is True
    assert theirs.json()["relationship"]["muting"] is False
    assert '"muting":true' not in theirs.content.decode().replace(" ", "")
    assert bearer_client(user=them).get(f"{API}/me/mutes").json()["results"] == []


# GET /me/mutes


def test_me_mutes_lists_people_newest_first_and_pages(client, me):
    people = [user_create(privacy=Privacy.PRIVATE if i == 1 else Privacy.PUBLIC) for i in range(3)]
    for person in people:
        mute_create(muter=me, muted=person)

    first = client.get(f"{API}/me/mutes", {"limit": 2}).json()
    rest = client.get(first["next"])

    listed = [p["username"] for p in first["results"] + rest.json()["results"]]
    assert listed == [p.username for p in reversed(people)]
    private = next(p for p in first["results"] if p["username"] == people[1].username)
    assert private == {
        "id": people[1].pk,
        "username": people[1].username,
        "privacy": "private",
        "access": "minimal",
    }


def test_me_mutes_query_count_does_not_grow_with_the_page(client, me, django_assert_num_queries):
    for _ in range(5):
        mute_create(muter=me, muted=user_create())

    # The token with its user, the page.
    with django_assert_num_queries(2):
        response = client.get(f"{API}/me/mutes")
    assert len(response.json()["results"]) == 5


def test_me_mutes_refuses_a_bad_cursor(client):
    response = client.get(f"{API}/me/mutes", {"cursor": "garbage"})

    assert response.status_code == 400
    assert "cursor" in response.json()


# /me/muted-words


def test_mute_a_word_then_list_and_delete_it(client, me):
    response = client.post(
        WORDS, {"phrase": "  Spoiler  Alert ", "expires_in_days": 7, "colour": "red"}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "phrase", "created_at", "expires_at"}
    assert body["phrase"] == "Spoiler Alert"
    assert body["expires_at"] is not None
    forever = client.post(WORDS, {"phrase": "#cats", "expires_in_days": None}, format="json")
    assert forever.status_code == 201
    assert forever.json()["expires_at"] is None

    listed = client.get(WORDS).json()
    assert [w["phrase"] for w in listed["results"]] == ["#cats", "Spoiler Alert"]
    assert listed["next"] is None

    assert client.delete(f"{WORDS}/{body['id']}").status_code == 204
    assert [w["phrase"] for w in client.get(WORDS).json()["results"]] == ["#cats"]
    assert client.delete(f"{WORDS}/{body['id']}").status_code == 404


def test_someone_elses_muted_word_is_a_404(client):
    theirs = muted_word_create(user=user_create(), phrase="cats")

    assert client.delete(f"{WORDS}/{theirs.pk}").status_code == 404
    assert client.delete(f"{WORDS}/{2**63 - 1}").status_code == 404
    assert client.delete(f"{WORDS}/{2**64}").status_code == 404
    assert MutedWord.objects.filter(pk=theirs.pk).exists()
    assert client.get(WORDS).json()["results"] == []


def test_muted_words_list_query_count(client, me, django_assert_num_queries):
    for i in range(5):
        muted_word_create(user=me, phrase=f"word{i}")

    # The token with its user, the words.
    with django_assert_num_queries(2):
        response = client.get(WORDS)
    assert len(response.json()["results"]) == 5


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({}, "phrase", "required"),
        ({"phrase": ""}, "phrase", "blank"),
        ({"phrase": "   "}, "phrase", services.MUTED_PHRASE_BLANK),
        ({"phrase": "\u200b"}, "phrase", services.MUTED_PHRASE_BLANK),
        ({"phrase": "x" * 101}, "phrase", services.MUTED_PHRASE_TOO_LONG),
        ({"phrase": "nul\x00byte"}, "phrase", "Null characters"),
        ({"phrase": 42}, "phrase", "valid string"),
        ({"phrase": ["cats"]}, "phrase", "valid string"),
        ({"phrase": None}, "phrase", "null"),
        ({"phrase": "cats", "expires_in_days": 0}, "expires_in_days", "greater than or equal"),
        ({"phrase": "cats", "expires_in_days": -1}, "expires_in_days", "greater than or equal"),
        ({"phrase": "cats", "expires_in_days": "x"}, "expires_in_days", "valid integer"),
        ({"phrase": "cats", "expires_in_days": 3651}, "expires_in_days", "less than or equal"),
        ({"phrase": "cats", "expires_in_days": 10**30}, "expires_in_days", "less than or equal"),
        ({"phrase": "cats", "expires_in_days": 1.5}, "expires_in_days", "valid integer"),
        ({"phrase": "cats", "expires_in_days": True}, "expires_in_days", "valid integer"),
    ],
)
def test_bad_muted_word_input_is_a_400_by_field_and_writes_nothing(client, body, field, message):
    response = client.post(WORDS, body, format="json")

    assert response.status_code == 400, response.content
    errors = response.json()
    assert list(errors) == [field]
    assert message in " ".join(errors[field])
    assert not MutedWord.objects.exists()


def test_a_duplicate_in_another_case_is_a_400(client, me):
    muted_word_create(user=me, phrase="Cats")

    response = client.post(WORDS, {"phrase": "CATS"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"phrase": [services.MUTED_PHRASE_DUPLICATE]}
    assert MutedWord.objects.count() == 1


def test_malformed_json_is_a_400(client):
    response = client.generic("POST", WORDS, "{not json", content_type="application/json")

    assert response.status_code == 400
    assert not MutedWord.objects.exists()


def test_a_session_without_csrf_token_cannot_mute(me, them):
    session = Client(enforce_csrf_checks=True)
    session.force_login(me)

    assert session.post(_mute_url("them")).status_code == 403
    assert session.post(WORDS, {"phrase": "x"}, content_type="application/json").status_code == 403
    assert not Mute.objects.exists()
    assert not MutedWord.objects.exists()


# Replies: marked, not dropped


def test_replies_and_context_mark_muted_replies(client, me, them):
    root = post(user_create(), "root")
    from_them = post(them, "a reply", reply_to_id=root.pk)
    worded = post(user_create(), "a spoiler reply", reply_to_id=root.pk)
    plain = post(user_create(), "a plain reply", reply_to_id=root.pk)
    mute_create(muter=me, muted=them)
    muted_word_create(user=me, phrase="spoiler")
    expected = {from_them.pk: True, worded.pk: True, plain.pk: False}

    replies = client.get(f"{API}/tweets/{root.pk}/replies").json()["results"]
    context = client.get(f"{API}/tweets/{root.pk}/context").json()["replies"]["results"]

    assert {r["id"]: r["muted"] for r in replies} == expected
    assert {r["id"]: r["muted"] for r in context} == expected
    signed_out = APIClient().get(f"{API}/tweets/{root.pk}/replies").json()["results"]
    assert {r["muted"] for r in signed_out} == {False}


# Schema


def test_every_mute_endpoint_is_in_the_schema(client):
    paths = client.get(f"{API}/schema/", HTTP_ACCEPT="application/json").json()["paths"]

    assert set(paths["/api/v1/users/{username}/mute"]) >= {"post", "delete"}
    assert "get" in paths["/api/v1/me/mutes"]
    assert set(paths["/api/v1/me/muted-words"]) >= {"get", "post"}
    assert "delete" in paths["/api/v1/me/muted-words/{id}"]
    assert "/api/v1/mutes" not in paths  # kept free for a Mastodon-compatible API


def test_me_blocks_shows_a_mute_that_outlived_the_block(client, me, them):
    other = user_create()
    mute_create(muter=me, muted=them)
    block_create(blocker=me, blocked=them)
    block_create(blocker=me, blocked=other)

    listed = client.get(f"{API}/me/blocks").json()["results"]

    assert {p["username"]: p["relationship"]["muting"] for p in listed} == {
        "them": True,
        other.username: False,
    }
    assert client.get(f"{API}/users/them").json()["relationship"]["muting"] is True


def test_api_lists_apply_mutes_and_the_profile_keeps_them(client, me, them):
    services.follow_create(follower=me, followee=them)
    hers = post(them, "common #tag from them")
    worded = post(user_create(), "common #tag with a spoiler")
    kept = post(me, "common #tag spoiler of my own")
    mute_create(muter=me, muted=them)
    muted_word_create(user=me, phrase="spoiler")

    def ids(path, **params):
        response = client.get(f"{API}{path}", params)
        assert response.status_code == 200, response.content
        return {t["id"] for t in response.json()["results"]}

    assert ids("/timeline/home") == {kept.pk}
    assert ids("/hashtags/tag") == {kept.pk}
    assert ids("/search", q="common") == {kept.pk}
    assert ids("/users/them/tweets") == {hers.pk}
    assert client.get(f"{API}/tweets/{worded.pk}").status_code == 200
    people = client.get(f"{API}/search", {"q": "them", "type": "users"}).json()["results"]
    assert people == []
