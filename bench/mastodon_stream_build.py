"""What one Mastodon `update` costs the stream process: a Status built for one viewer.

mastodon_api.streaming builds each new status per connected viewer (tweets_by_ids for that
viewer, its mentions, the entity): this times that build for 200 (newest tweet, a follower
of its author) pairs. Read-only; run it against the seeded copy:

    DJANGO_SETTINGS_MODULE=twitterclone.settings.test \\
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tc_seed \\
    .venv/bin/python manage.py shell < bench/mastodon_stream_build.py
"""

import time

from django.test import RequestFactory

from accounts.models import User
from mastodon_api.streaming import _status_json
from social.models import UserFollowers
from tweets.models import Tweet

PAIRS = 200
factory = RequestFactory()
pairs = []
for pk, author in Tweet.objects.order_by("-pk").values_list("pk", "user_id")[:2000]:
    follower = (
        UserFollowers.objects.filter(user_id=author).values_list("follower_id", flat=True).first()
    )
    if follower:
        pairs.append((pk, follower))
    if len(pairs) >= PAIRS:
        break
users = User.objects.in_bulk([follower for _, follower in pairs])


def run() -> int:
    shown = 0
    for pk, follower in pairs:
        request = factory.get("/api/v1/streaming/user", HTTP_HOST="localhost")
        request.user = users[follower]
        shown += _status_json(request=request, tweet_id=pk) is not None
    return shown


run()  # warm the statement cache and the connection
for _ in range(2):
    cpu, wall = time.process_time(), time.perf_counter()
    shown = run()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(
        f"{len(pairs)} builds, {shown} shown: {wall / len(pairs) * 1000:.2f} ms wall, "
        f"{cpu / len(pairs) * 1000:.2f} ms CPU per update"
    )
