"""Tweet text is cleaned before it is checked and stored (issue 11, item 7).

Control characters other than the line break are dropped ("\\r\\n" and "\\r" become "\\n",
a tab a space), NUL keeps its own refusal, and text that shows nothing once whitespace,
control, format and blank filler characters are set aside is "Write something first.":
through the service, the API (400, nothing written) and the compose box (a form error).
"""

import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.services import token_create
from accounts.tests.factories import user_create
from tweets.models import MAX_CONTENT_LENGTH, Tweet
from tweets.services import CONTENT_REQUIRED, CONTENT_TOO_LONG, tweet_create
from twitterclone.validators import NUL_BYTE, text_clean, text_is_blank

pytestmark = pytest.mark.django_db

INVISIBLE = {
    "zero-width-space": "\u200b",
    "zero-width-joiners": "\u200c\u200d",
    "bom-and-word-joiner": "\ufeff\u2060",
    "bidi-marks": "\u200e\u200f\u202a\u202c",
    "hangul-filler": "\u3164",
    "hangul-choseong-jungseong-fillers": "\u115f\u1160",
    "braille-blank": "\u2800 \u2800",
    "controls-only": "\x07\x1b\x7f",
    "mixed-with-spaces": " \u200b\n\u3164\t\u2060 ",
}


@pytest.fixture
def author():
    return user_create(username="writer")


@pytest.mark.parametrize("content", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_text_that_shows_nothing_is_refused_and_nothing_is_written(author, content):
    with pytest.raises(ValidationError) as caught:
        tweet_create(author=author, content=content)

    assert caught.value.message_dict == {"content": [CONTENT_REQUIRED]}
    assert not Tweet.objects.exists()


@pytest.mark.parametrize(
    ("content", "stored"),
    [
        ("bell\x07 and escape\x1b[31m", "bell and escape[31m"),
        ("windows\r\nline\rmac", "windows\nline\nmac"),
        ("tab\tseparated", "tab separated"),
        ("del\x7f and c1\x85\x9b", "del and c1"),
        # Format characters that carry meaning stay: an emoji family, right-to-left marks.
        ("\U0001f468\u200d\U0001f469\u200d\U0001f467 \u200f\u05e9\u05dc\u05d5\u05dd", None),
    ],
    ids=["c0-controls", "line-breaks", "tab", "del-and-c1", "joiners-kept"],
)
def test_controls_are_stripped_but_line_breaks_and_format_characters_stay(author, content, stored):
    tweet = tweet_create(author=author, content=content)

    expected = content if stored is None else stored
    assert tweet.content == expected
    assert Tweet.objects.get(pk=tweet.pk).content == expected


def test_nul_keeps_its_own_documented_refusal(author):
    with pytest.raises(ValidationError) as caught:
        tweet_create(author=author, content="before\x00after")

    assert caught.value.message_dict == {"content": [NUL_BYTE]}


def test_length_is_counted_on_the_cleaned_text(author):
    full = "x" * (MAX_CONTENT_LENGTH - 1) + "\x07\x07" + "y"

    assert tweet_create(author=author, content=full).content == "x" * 279 + "y"
    with pytest.raises(ValidationError) as caught:
        tweet_create(author=author, content="x" * MAX_CONTENT_LENGTH + "\x07z")
    assert caught.value.message_dict == {"content": [CONTENT_TOO_LONG]}


def test_visible_text_with_invisible_characters_is_fine(author):
    assert tweet_create(author=author, content="\u200bhi\u200b").content == "\u200bhi\u200b"


def test_cleaner_single_line_turns_breaks_into_spaces():
    assert text_clean(text="two\r\nlines\nhere", single_line=True) == "two lines here"
    assert not text_is_blank(text="\u3164a")


@pytest.mark.parametrize("content", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_api_answers_400_with_the_field_message_and_writes_nothing(author, content):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token_create(user=author)}")

    response = api.post(
        "/api/v1/tweets", json.dumps({"content": content}), content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json() == {"content": [CONTENT_REQUIRED]}
    assert not Tweet.objects.exists()


def test_api_stores_the_cleaned_text(author):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token_create(user=author)}")

    response = api.post(
        "/api/v1/tweets", json.dumps({"content": "a\x1bb\r\nc"}), content_type="application/json"
    )

    assert response.status_code == 201
    assert response.json()["content"] == "ab\nc"


@pytest.mark.parametrize(
    "content", ["\u200b\u200b", "\u3164", "\u2800"], ids=["zwsp", "hangul", "braille"]
)
def test_compose_box_shows_the_form_error_and_writes_nothing(client, author, content):
    client.force_login(author)

    response = client.post(reverse("home"), {"content": content})

    assert response.status_code == 200
    assert CONTENT_REQUIRED in response.context["form"].errors["content"]
    assert not Tweet.objects.exists()
