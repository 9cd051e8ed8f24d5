"""Acceptance: the `toot` CLI, a real subprocess with its own config folder, against the
live test server. Each command must exit 0 with nothing on stderr; toot's own parsing
(toot.entities.from_dict) must accept every answer.

Logging in is toot's browser flow: `toot login` prints the authorize URL and asks for the
code; the test opens that URL as the signed-in user (Django's test client), presses
Authorize, and types the code shown into toot.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.test import Client

from accounts.models import Privacy
from accounts.tests.factories import user_create
from media.models import Upload
from media.tests.images import png
from social.services import follow_create
from tweets.models import Tweet
from tweets.services import like_create, tweet_create

pytestmark = pytest.mark.django_db(transaction=True)

TOOT = str(Path(sys.executable).parent / "toot")


@pytest.fixture(autouse=True)
def _setup(settings, tmp_path):
    settings.API_THROTTLING = False
    settings.MEDIA_ROOT = tmp_path / "media"


class Toot:
    """Run toot with HOME and XDG_CONFIG_HOME in a folder of its own."""

    def __init__(self, home: Path):
        home.mkdir(exist_ok=True)
        self.env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "LANG": "C.UTF-8",
            "TERM": "dumb",
        }
        self.home = home

    def login(self, base_url: str, user) -> None:
        process = subprocess.Popen(
            [TOOT, "--no-color", "login", "--instance", base_url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=self.env,
            cwd=self.home,
            text=True,
        )
        url = ""
        while not url.startswith("http"):
            line = process.stdout.readline()
            assert line, process.stderr.read()
            url = line.strip()
        code = _authorize(url, user)
        out, err = process.communicate(f"n\n{code}\n", timeout=60)
        assert process.returncode == 0, err
        assert err == "" and "Successfully logged in" in out

    def __call__(self, *args: str) -> str:
        done = subprocess.run(
            [TOOT, "--no-color", *args],
            capture_output=True,
            text=True,
            env=self.env,
            cwd=self.home,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
        assert done.returncode == 0 and done.stderr == "", (args, done.stdout, done.stderr)
        return done.stdout

    def json(self, *args: str):
        return json.loads(self(*args, "--json"))


def _authorize(url: str, user) -> str:
    """Open toot's authorize URL as `user`, press Authorize, return the code shown."""
    parts = urlsplit(url)
    browser = Client()
    browser.force_login(user)
    page = browser.get(f"{parts.path}?{parts.query}")
    assert page.status_code == 200, page.content
    html = page.content.decode()
    assert "toot" in html
    form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
    done = browser.post(parts.path, {**form, "allow": "Authorize"}).content.decode()
    return re.search(r'id="authorization-code">([^<]+)<', done).group(1)


def test_a_day_of_use_with_toot(live_server, tmp_path):
    alice = user_create(username="alice", display_name="Alice")
    bob = user_create(username="bob", display_name="Bob")
    follow_create(follower=alice, followee=bob)
    toot = Toot(tmp_path / "alice")
    toot.login(live_server.url, alice)
    assert toot.json("whoami")["username"] == "alice"
    assert "alice" in toot("whoami")
    assert "twitterclone" in toot("instance")

    # Post with an image and its alt text (POST /api/v2/media, then media_ids[]).
    image = tmp_path / "box.png"
    image.write_bytes(png((640, 480)))
    posted = toot.json(
        "post", "a box for #boxes", "--media", str(image), "--description", "a drawn box"
    )
    attachment = posted["media_attachments"][0]
    assert attachment["description"] == "a drawn box" and attachment["type"] == "image"
    assert Upload.objects.get(pk=int(attachment["id"])).tweet_id == int(posted["id"])
    uploaded = toot.json("upload", str(image), "--description", "another box")
    assert uploaded["description"] == "another box"

    # Bob posts; alice reads the timelines, acts on his status, reads the thread.
    shown = tweet_create(author=bob, content="hello from bob #boxes")
    home = toot.json("timelines", "home", "--no-pager", "--limit", "5")
    assert str(shown.pk) in {status["id"] for status in home}
    assert "hello from bob" in toot("timelines", "home", "--no-pager", "--limit", "5")
    assert "a box for" in toot("timelines", "public", "--no-pager", "--limit", "5")
    tagged = toot.json("timelines", "tag", "boxes", "--no-pager")
    assert {status["id"] for status in tagged} >= {str(shown.pk), posted["id"]}
    assert toot.json("favourite", str(shown.pk))["favourited"] is True
    assert toot.json("reblog", str(shown.pk))["reblogged"] is True
    assert toot.json("bookmark", str(shown.pk))["bookmarked"] is True
    toot("unbookmark", str(shown.pk))
    toot("unreblog", str(shown.pk))
    toot("unfavourite", str(shown.pk))
    reply = toot.json("post", "@bob nice", "--reply-to", str(shown.pk))
    assert reply["in_reply_to_id"] == str(shown.pk)
    thread = toot.json("thread", str(shown.pk))
    assert [status["id"] for status in thread["descendants"]] == [reply["id"]]
    assert "hello from bob" in toot("thread", str(shown.pk))
    assert "hello from bob" in toot("status", str(shown.pk))

    # Bob follows and favourites alice: her notifications show both.
    follow_create(follower=bob, followee=alice)
    like_create(user=bob, tweet_id=int(posted["id"]))
    kinds = {n["type"] for n in toot.json("notifications")}
    assert {"follow", "favourite"} <= kinds
    assert "bob" in toot("notifications")
    toot("delete", reply["id"])
    assert not Tweet.objects.filter(pk=int(reply["id"])).exists()


def test_toot_follows_mutes_blocks_and_searches(live_server, tmp_path):
    alice = user_create(username="alice")
    bob = user_create(username="bob")
    carol = user_create(username="carol", privacy=Privacy.PROTECTED)
    tweet_create(author=bob, content="searchable words here")
    toot = Toot(tmp_path / "alice")
    toot.login(live_server.url, alice)
    carol_toot = Toot(tmp_path / "carol")
    carol_toot.login(live_server.url, carol)
    toot("follow", "bob")
    toot("follow", "carol")
    assert "alice" in carol_toot("follow-requests", "list")
    carol_toot("follow-requests", "accept", "alice")
    assert "carol" in toot("following", "alice")
    assert "bob" in toot("search", "bob")
    toot("search", "searchable", "--type", "statuses")
    toot("mute", "bob")
    assert "bob" in toot("muted")
    toot("unmute", "bob")
    toot("block", "bob")
    assert "bob" in toot("blocked")
    toot("unblock", "bob")
    toot("unfollow", "carol")
