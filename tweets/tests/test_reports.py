"""Reporting a tweet: the service and POST /api/v1/tweets/{id}/report."""

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from accounts.models import Privacy
from accounts.tests.factories import user_create
from social.services import block_create
from tweets.models import Report, Tweet
from tweets.services import REPORT_REASON_REQUIRED, REPORT_REASON_TOO_LONG, report_create
from tweets.tests.factories import post
from twitterclone.tests.api_helpers import bearer_client
from twitterclone.validators import NUL_BYTE

pytestmark = pytest.mark.django_db


@pytest.fixture
def reporter():
    return user_create(username="reporter")


@pytest.fixture
def tweet():
    return post(user_create(username="author"), "something objectionable")


def _client(user) -> APIClient:
    return bearer_client(user=user)


def test_a_report_is_open_and_a_second_one_while_open_adds_nothing(reporter, tweet):
    report, created = report_create(reporter=reporter, tweet_id=tweet.pk, reason="spam")
    again, created_again = report_create(reporter=reporter, tweet_id=tweet.pk, reason="spam!")

    assert created and not created_again
    assert again.pk == report.pk
    assert (report.status, report.reason) == (Report.Status.OPEN, "spam")
    assert Report.objects.count() == 1


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", REPORT_REASON_REQUIRED),
        ("   ", REPORT_REASON_REQUIRED),
        ("\u200b\u2060\ufeff\x07", REPORT_REASON_REQUIRED),
        ("x" * 501, REPORT_REASON_TOO_LONG),
        ("a\x00b", NUL_BYTE),
    ],
)
def test_a_bad_reason_is_a_field_error_and_writes_nothing(reporter, tweet, reason, message):
    with pytest.raises(ValidationError) as error:
        report_create(reporter=reporter, tweet_id=tweet.pk, reason=reason)

    assert error.value.message_dict == {"reason": [message]}
    assert not Report.objects.exists()


def test_a_tweet_the_reporter_may_not_see_cannot_be_reported(reporter):
    protected = post(user_create(privacy=Privacy.PROTECTED), "hidden words")
    blocker = user_create()
    blocked_out = post(blocker, "not for you")
    block_create(blocker=blocker, blocked=reporter)

    for tweet in (protected, blocked_out):
        with pytest.raises(Tweet.DoesNotExist):
            report_create(reporter=reporter, tweet_id=tweet.pk, reason="spam")
    assert not Report.objects.exists()


def test_api_report_answers_201_then_200_with_the_open_report(reporter, tweet):
    client = _client(reporter)
    url = f"/api/v1/tweets/{tweet.pk}/report"

    first = client.post(url, {"reason": "spam"}, format="json")
    second = client.post(url, {"reason": "spam"}, format="json")

    assert first.status_code == 201
    assert first.json()["status"] == "open" and first.json()["tweet_id"] == tweet.pk
    assert second.status_code == 200 and second.json()["id"] == first.json()["id"]


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": 42}, {"reason": ["spam"]}])
def test_api_report_bad_body_is_400_by_field(reporter, tweet, body):
    response = _client(reporter).post(f"/api/v1/tweets/{tweet.pk}/report", body, format="json")

    assert response.status_code == 400
    assert "reason" in response.json()
    assert not Report.objects.exists()


def test_api_report_needs_sign_in_and_a_visible_tweet(reporter):
    secret = post(user_create(privacy=Privacy.PRIVATE), "secret")

    anonymous = APIClient().post(f"/api/v1/tweets/{secret.pk}/report", {"reason": "x"})
    hidden = _client(reporter).post(
        f"/api/v1/tweets/{secret.pk}/report", {"reason": "spam"}, format="json"
    )

    assert anonymous.status_code == 401
    assert hidden.status_code == 404
    assert not Report.objects.exists()


def test_api_report_records_the_reason_trimmed(reporter, tweet):
    reason = "  Impersonates a public figure; see the bio.  "

    response = _client(reporter).post(
        f"/api/v1/tweets/{tweet.pk}/report", {"reason": reason}, format="json"
    )

    assert response.status_code == 201
    report = Report.objects.get()
    assert (report.reason, report.reporter_id, report.tweet_id) == (
        reason.strip(),
        reporter.pk,
        tweet.pk,
    )


@pytest.mark.parametrize(
    ("reason", "message"),
    [("   ", REPORT_REASON_REQUIRED), ("x" * 501, REPORT_REASON_TOO_LONG)],
)
def test_api_report_blank_or_too_long_reason_is_400_with_the_message(
    reporter, tweet, reason, message
):
    response = _client(reporter).post(
        f"/api/v1/tweets/{tweet.pk}/report", {"reason": reason}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"reason": [message]}
    assert not Report.objects.exists()


def test_api_report_of_a_hidden_tweet_or_a_suspended_authors_tweet_is_404(reporter, tweet):
    from accounts.services import user_set_active
    from tweets.services import tweet_set_hidden

    hidden = post(user_create(), "hidden by a moderator")
    tweet_set_hidden(tweet=hidden, hidden=True)
    user_set_active(user=tweet.user, active=False)

    for target in (hidden, tweet):
        response = _client(reporter).post(
            f"/api/v1/tweets/{target.pk}/report", {"reason": "spam"}, format="json"
        )
        assert response.status_code == 404
    assert not Report.objects.exists()


def test_api_report_of_a_missing_tweet_is_404(reporter):
    response = _client(reporter).post(
        "/api/v1/tweets/987654321/report", {"reason": "spam"}, format="json"
    )

    assert response.status_code == 404
    assert not Report.objects.exists()
