"""seed_demo draws real pictures (Pillow) for the demo world, once."""

import io

import pytest
from django.core.management import call_command
from django.test import TestCase

from accounts.models import User
from media.models import Upload
from media.tests.conftest import stored_files
from tweets.models import Tweet

pytestmark = pytest.mark.django_db


def seed_demo() -> None:
    """Run seed_demo and the jobs its commit queues (the uncropped files' deletion)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("seed_demo", stdout=io.StringIO())


def test_seed_demo_gives_the_demo_world_pictures_once(media_root):
    seed_demo()
    with_media = Tweet.objects.exclude(media=[])
    assert with_media.count() == 4
    assert all(item["alt_text"] for tweet in with_media for item in tweet.media)
    assert User.objects.exclude(avatar_file="").count() == 12
    assert User.objects.exclude(header_file="").count() == 4
    files = stored_files(media_root)
    assert len(files) == 5 * 3 + 12 + 4

    seed_demo()
    assert Upload.objects.count() == 5 + 12 + 4
    assert stored_files(media_root) == files
