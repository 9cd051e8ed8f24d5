"""Fault drill for live updates: restart PostgreSQL under open streams.

    .venv/bin/python bench/stream_fault.py --json docs/benchmarks/stream_fault.json

The machine's own PostgreSQL is never touched: a throwaway cluster (bench/fault_drill.py's,
port 5442) is migrated, given a poster and --followers followers with tokens, and the stream
server (deploy/stream.sh, production settings, 127.0.0.1:8101) started against it. With
every follower's stream open: the poster posts tweet A; PostgreSQL is stopped
(`pg_ctl stop -m fast`) for --down seconds and started again; the poster posts tweet B at
once (before the listener has necessarily reconnected), then tweet C two seconds later.
It reports whether every stream stayed open and received A, B and C, each once, how long
after the start the listener was back (its backend in pg_stat_activity), and what the
streams were told meanwhile.
"""

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import aiohttp
import fault_drill
import streams
from streams import PORT, start_server, stop_server

CLUSTER_PORT = 5442


class Listener:
    """One stream: every event it receives, in order."""

    def __init__(self, token: str):
        self.token = token
        self.events: list[tuple[str, dict]] = []
        self.open = asyncio.Event()
        self.ended = False

    async def run(self, session: aiohttp.ClientSession) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        url = f"http://127.0.0.1:{PORT}/api/v1/me/stream"
        kind = None
        try:
            async with session.get(url, headers=headers) as response:
                async for raw in response.content:
                    line = raw.decode().rstrip("\n")
                    if line.startswith("event: "):
                        kind = line[7:]
                    elif line.startswith("data: "):
                        self.events.append((kind, json.loads(line[6:])))
                        if kind == "hello":
                            self.open.set()
        except aiohttp.ClientError:
            pass
        self.ended = True


def setup(url: str, followers: int) -> list[str]:
    os.environ.update({"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "twitterclone.settings.test"})
    fault_drill.manage("migrate", "-v0", database_url=url)
    import django

    django.setup()
    from accounts.models import User
    from accounts.services import token_create
    from social.services import follow_create

    User.objects.bulk_create(
        [
            User(username=f"f{i}", email=f"f{i}@example.com", password="!")
            for i in range(followers + 1)
        ]
    )
    people = list(User.objects.order_by("id"))
    for reader in people[1:]:
        follow_create(follower=reader, followee=people[0])
    return [token_create(user=reader) for reader in people[1:]]


def post(content: str) -> int:
    """Post as the poster, retrying while the database comes back (a dead pooled connection)."""
    from django.db import OperationalError, connections

    from accounts.models import User
    from tweets.services import tweet_create

    for attempt in range(20):
        try:
            poster = User.objects.order_by("id").first()
            return tweet_create(author=poster, content=content).pk
        except OperationalError:
            connections.close_all()
            time.sleep(0.25 * (attempt + 1))
    raise RuntimeError("could not post after the restart")


def listener_backends() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE application_name = 'twitterclone-stream-listener'"
        )
        return cursor.fetchone()[0]


async def drill(cluster, tokens: list[str], down: float) -> dict:
    listeners = [Listener(token) for token in tokens]
    timeout = aiohttp.ClientTimeout(total=None, sock_read=None)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        tasks = [asyncio.create_task(listener.run(session)) for listener in listeners]
        await asyncio.wait_for(asyncio.gather(*(lst.open.wait() for lst in listeners)), 60)
        tweet_a = await asyncio.to_thread(post, "before the restart")
        await asyncio.sleep(1)
        await asyncio.to_thread(cluster["stop"])
        stopped = time.monotonic()
        await asyncio.sleep(down)
        await asyncio.to_thread(cluster["start"])
        started = time.monotonic()
        tweet_b = await asyncio.to_thread(post, "right after the restart")
        posted_b = time.monotonic() - started
        back = None
        while back is None and time.monotonic() - started < 30:
            if await asyncio.to_thread(listener_backends) > 0:
                back = time.monotonic() - started
            else:
                await asyncio.sleep(0.1)
        await asyncio.sleep(2)
        tweet_c = await asyncio.to_thread(post, "later")
        await asyncio.sleep(3)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    wanted = [tweet_a, tweet_b, tweet_c]
    got = [[data["tweet_id"] for kind, data in lst.events if kind == "tweet"] for lst in listeners]
    kinds = sorted({kind for lst in listeners for kind, _ in lst.events})
    return {
        "streams": len(listeners),
        "down_seconds": round(started - stopped, 1),
        "tweet_b_posted_after_start_s": round(posted_b, 2),
        "listener_back_after_start_s": None if back is None else round(back, 2),
        "streams_that_got_a_b_c_once_in_order": sum(ids == wanted for ids in got),
        "streams_missing_any": sum(not set(wanted) <= set(ids) for ids in got),
        "streams_with_duplicates": sum(len(ids) != len(set(ids)) for ids in got),
        "event_kinds_seen": kinds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--followers", type=int, default=200)
    parser.add_argument("--down", type=float, default=5.0)
    parser.add_argument("--json")
    args = parser.parse_args()
    streams.stack_module.raise_fd_limit(args.followers * 2 + 1000)
    with fault_drill.throwaway_cluster(port=CLUSTER_PORT) as cluster:
        base = f"postgres://postgres@127.0.0.1:{CLUSTER_PORT}"
        fault_drill.as_postgres(
            [
                str(fault_drill.PG_BIN / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(CLUSTER_PORT),
                "-U",
                "postgres",
                "tc_stream_fault",
            ]
        )
        url = f"{base}/tc_stream_fault"
        tokens = setup(url, args.followers)
        server = start_server(url, 1, "granian")
        try:
            result = asyncio.run(drill(cluster, tokens, args.down))
        finally:
            stop_server(server)
    print(json.dumps(result, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
