"""The lists an owner sees whole (own followers, follow requests) show each person as the rule
says, and the API and the HTML show the same: a private account whose card the owner may not
see is its handle only, on both surfaces (issue 12: one rule for what the HTML shows).
"""

import pytest
from django.test import Client

from accounts.models import Privacy
from accounts.services import user_update_profile
from accounts.tests.factories import user_create
from social.services import follow_create, follow_request_approve
from twitterclone.tests.api_helpers import bearer_client
from twitterclone.tests.privacy_table import (
    CARD_MARK,
    FOLLOWER,
    PRIVACIES,
    STRANGER,
    may_see_card,
)

pytestmark = pytest.mark.django_db

AVATAR = "https://img.example/cardmark-avatar.png"
MINIMAL_FIELDS = {"id", "username", "privacy", "access"}


def _person(privacy: str):
    person = user_create(username="person", privacy=privacy)
    user_update_profile(
        user=person,
        display_name=f"Person {CARD_MARK}",
        bio=f"bio {CARD_MARK}",
        profile_image_url=AVATAR,
    )
    return person


def _owner_and_person(*, privacy: str, relation: str, approved: bool):
    """Return an owner (protected) and a person who asked to follow them (approved or not).

    `relation` is how the owner stands towards the person: STRANGER, or FOLLOWER (the owner
    follows the person, approved where the person's account asks for it).
    """
    owner = user_create(username="owner", privacy=Privacy.PROTECTED)
    person = _person(privacy)
    if relation == FOLLOWER:
        follow_create(follower=owner, followee=person)
        follow_request_approve(owner=person, requester=owner)
    follow_create(follower=person, followee=owner)
    if approved:
        follow_request_approve(owner=owner, requester=person)
    return owner, person


LISTS = {
    # list name: (approved?, API path, HTML path)
    "own followers": (True, "/api/v1/users/owner/followers", "/@owner/followers"),
    "follow requests": (False, "/api/v1/follow-requests", "/follow-requests"),
}


@pytest.mark.parametrize("privacy", PRIVACIES)
@pytest.mark.parametrize("relation", [STRANGER, FOLLOWER])
@pytest.mark.parametrize("listed", list(LISTS))
def test_api_and_html_show_a_listed_person_as_the_rule_says(privacy, relation, listed):
    approved, api_path, html_path = LISTS[listed]
    owner, _ = _owner_and_person(privacy=privacy, relation=relation, approved=approved)
    card = may_see_card(relation, privacy)

    item = bearer_client(user=owner).get(api_path).json()["results"][0]
    html_client = Client()
    html_client.force_login(owner)
    page = html_client.get(html_path).content.decode()

    assert item["username"] == "person"
    if relation == FOLLOWER or privacy == Privacy.PUBLIC:
        assert item["access"] == "full"
    else:
        assert item["access"] == ("card" if card else "minimal")
    if card:
        assert CARD_MARK in item["display_name"] and CARD_MARK in item["bio"]
        assert item["profile_image_url"] == AVATAR
    else:
        assert set(item) == MINIMAL_FIELDS
    # The HTML shows the same: the name, bio and picture exactly when the API does.
    assert (CARD_MARK in page) is card
    assert "@person" in page
