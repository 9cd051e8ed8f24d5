"""The stream URL under WSGI (answers at once, the browser polls) and the new-tweets fragment."""

import pytest

from accounts.models import Privacy
from accounts.services import token_create
from accounts.tests.factories import user_create
from social.services import follow_create, mute_create
from stream.selectors import latest_event_id
from tweets.tests.factories import post

pytestmark = pytest.mark.django_db


def _get(client, user, **headers):
    token = token_create(user=user)
    return client.get("/api/v1/me/stream", HTTP_AUTHORIZATION=f"Bearer {token}", **headers)


def test_under_wsgi_the_stream_answers_at_once_with_hello_and_a_retry(client):
    reader = user_create()
    response = _get(client, reader)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream"
    body = response.content.decode()
    assert body.startswith("retry: 5000\n\n")
    assert f"id: {latest_event_id()}\nevent: hello\n" in body


def test_under_wsgi_last_event_id_replays_what_concerns_the_viewer(client):
    author, reader = user_create(), user_create()
    protected = user_create(privacy=Privacy.PROTECTED)
    follow_create(follower=reader, followee=author)
    start = latest_event_id()
    shown = post(author, "for the reader")
    post(protected, "not for the reader")
    body = _get(client, reader, HTTP_LAST_EVENT_ID=str(start)).content.decode()
    assert body.count("event: tweet") == 1
    assert f'"tweet_id":{shown.pk}' in body
    # The closing hello moves the client's Last-Event-ID past everything considered.
    assert body.rstrip().endswith("event: hello\ndata: {}")
    assert f"id: {latest_event_id()}\nevent: hello" in body


def test_new_tweets_renders_only_what_the_home_timeline_would_show(client):
    author, muted, reader = user_create(), user_create(), user_create()
    protected = user_create(privacy=Privacy.PROTECTED)
    for followee in (author, muted):
        follow_create(follower=reader, followee=followee)
    mute_create(muter=reader, muted=muted)
    shown = post(author, "shown")
    hidden = [post(muted, "muted"), post(protected, "protected")]
    client.force_login(reader)
    ids = ",".join(str(t.pk) for t in [shown, *hidden])
    response = client.get(f"/live/new-tweets?ids={ids}")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-tweet-id="{shown.pk}"' in html
    assert all(f'data-tweet-id="{t.pk}"' not in html for t in hidden)


@pytest.mark.parametrize("ids", ["x", "1,-2", ",".join(["1"] * 51)])
def test_new_tweets_refuses_bad_ids(client, ids):
    client.force_login(user_create())
    response = client.get(f"/live/new-tweets?ids={ids}")
    assert response.status_code == 400


def test_new_tweets_needs_sign_in(client):
    assert client.get("/live/new-tweets?ids=1").status_code == 302


def test_the_home_page_has_the_bar_and_the_stream_script_signed_in_only(client):
    assert b"js/stream.js" not in client.get("/explore").content
    client.force_login(user_create())
    html = client.get("/").content.decode()
    assert 'id="new-tweets" hidden' in html
    assert 'data-stream-url="/api/v1/me/stream"' in html


def test_replay_reloads_past_the_kept_window_or_from_the_future(client, settings):
    author, reader = user_create(), user_create()
    follow_create(follower=reader, followee=author)
    start = latest_event_id()
    for i in range(3):
        post(author, f"tweet {i}")
    newest = latest_event_id()
    # Ids are not dense (other tests' rolled-back events took some), so the window is set
    # around this test's own: one short of `start`, events after it may have been pruned.
    settings.STREAM_EVENTS_KEEP = newest - max(start, 1) - 1
    body = _get(client, reader, HTTP_LAST_EVENT_ID=str(max(start, 1))).content.decode()
    assert "event: reload" in body and "event: tweet" not in body
    settings.STREAM_EVENTS_KEEP = newest - max(start, 1)
    replay = _get(client, reader, HTTP_LAST_EVENT_ID=str(max(start, 1))).content.decode()
    assert replay.count("event: tweet") == 3
    future = _get(client, reader, HTTP_LAST_EVENT_ID=str(latest_event_id() + 1)).content.decode()
    assert "event: reload" in future
