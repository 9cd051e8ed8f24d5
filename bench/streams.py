"""Live updates under load: idle streams, delivery latency, the request mix beside them.

    .venv/bin/python bench/streams.py --streams 1000,10000 --json docs/benchmarks/streams.json

Sets up its own database (`--database`, default tc_streams: migrated, then N bench users
made with bulk_create, 1,000 of them following one poster through social.services, a
bearer token each) and starts the stream server as deploy/stream.sh does (granian ASGI,
production settings, one worker unless --workers; `--server uvicorn` for the
measured alternative) on 127.0.0.1:8101, straight to
PostgreSQL. Then for each level it opens that many streams from this process (aiohttp,
one connection each, the poster's 1,000 followers first) and reports:

- memory: the server's resident memory (its process tree, /proc) before and with the
  streams open, and per stream;
- CPU at idle: the server's CPU seconds over --idle seconds with every stream open (each
  gets a keep-alive comment every STREAM_HEARTBEAT_SECONDS, 20 s);
- latency: the poster posts --posts tweets through tweets.services.tweet_create, --gap
  seconds apart; from just before the call (the commit is inside it, the fan-out job runs
  right after it with the immediate task backend) to the `tweet` event's arrival at each of
  the 1,000 connected followers: p50 / p99 / max over all deliveries, and how many arrived.

The client shares the machine's 2 cores with the server and PostgreSQL.
"""

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import aiohttp
import stack as stack_module

ROOT = Path(__file__).resolve().parent.parent
PORT = 8101
FOLLOWERS = 1000


def rss_kb(root_pid: int) -> int:
    """Resident memory of a process and its descendants, in KiB."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            children.setdefault(parent, []).append(int(entry))
    total, todo = 0, [root_pid]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
        todo.extend(children.get(pid, []))
    return total


def setup_database(database: str, users: int) -> tuple[str, list[str]]:
    """Migrate `database`, make the users, the poster's followers and tokens; return them."""
    base = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
    url = f"{base}/{database}"
    exists = subprocess.run(
        [
            "psql",
            f"{base}/postgres",
            "-Atc",
            f"SELECT 1 FROM pg_database WHERE datname='{database}'",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not exists:
        subprocess.run(
            ["psql", f"{base}/postgres", "-c", f"CREATE DATABASE {database}"], check=True
        )
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "twitterclone.settings.test",
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    os.environ.update(env)
    import django

    django.setup()
    from accounts.models import ApiToken, User
    from accounts.services import token_create
    from social.models import UserFollows
    from social.services import follow_create

    have = User.objects.filter(username__startswith="sb").count()
    if have < users + 1:
        User.objects.bulk_create(
            [
                User(username=f"sb{i}", email=f"sb{i}@example.com", password="!")
                for i in range(have, users + 1)
            ],
            batch_size=2000,
        )
    people = {u.username: u for u in User.objects.filter(username__startswith="sb")}
    poster = people["sb0"]
    readers = [people[f"sb{i}"] for i in range(1, users + 1)]
    if UserFollows.objects.filter(following=poster).count() < FOLLOWERS:
        for reader in readers[:FOLLOWERS]:
            follow_create(follower=reader, followee=poster)
    ApiToken.objects.filter(user__username__startswith="sb").delete()
    tokens = [token_create(user=reader) for reader in readers]
    return url, tokens


def tokens_of_existing(database: str, count: int) -> tuple[str, list[str]]:
    """Issue tokens to the first `count` active users of a seeded database (--hold)."""
    base = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
    url = f"{base}/{database}"
    os.environ.update({"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "twitterclone.settings.test"})
    import django

    django.setup()
    from accounts.models import User
    from accounts.services import token_create

    users = User.objects.filter(is_active=True).order_by("id")[:count]
    return url, [token_create(user=user) for user in users]


async def hold(server, tokens: list[str], seconds: float) -> dict:
    """Open the streams, hold them `seconds`, report memory, CPU and events received."""
    client = Client()
    before = rss_kb(server.pid)
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=None, sock_read=None)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await client.open_streams(session, tokens)
        print(f"holding {client.open} streams for {seconds:.0f} s", flush=True)
        cpu_start = stack_module.tree_cpu_seconds(server.pid)
        await asyncio.sleep(seconds)
        cpu = stack_module.tree_cpu_seconds(server.pid) - cpu_start
        result = {
            "streams": client.open,
            "refused": client.refused,
            "rss_mb_before": round(before / 1024, 1),
            "rss_mb_with_streams": round(rss_kb(server.pid) / 1024, 1),
            "stream_server_cpu_percent": round(100 * cpu / seconds, 1),
            "tweet_events_received": sum(len(v) for v in client.arrivals.values()),
        }
        for task in client.tasks:
            task.cancel()
        await asyncio.gather(*client.tasks, return_exceptions=True)
    print(json.dumps(result), flush=True)
    return result


def start_server(url: str, workers: int, server: str) -> subprocess.Popen:
    stack_module.require_free(PORT)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "twitterclone.settings.production",
        "DATABASE_URL": url,
        "STREAM_DATABASE_URL": url,
        "DJANGO_SECRET_KEY": stack_module.BENCH_SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_COOKIES": "false",
        "API_THROTTLING": "off",
        "STREAM_HOST": "127.0.0.1",
        "STREAM_PORT": str(PORT),
        "STREAM_WORKERS": str(workers),
        "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}",
    }
    if server == "granian":
        command = ["sh", "deploy/stream.sh"]
    else:
        # The same process shape under uvicorn (the measured alternative): no lifespan.
        command = [
            str(ROOT / ".venv" / "bin" / "uvicorn"),
            "twitterclone.asgi:application",
            "--host=127.0.0.1",
            f"--port={PORT}",
            f"--workers={workers}",
            "--lifespan=off",
            "--backlog=4096",
            "--log-level=warning",
        ]
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    deadline = time.monotonic() + 30
    while stack_module.port_free("127.0.0.1", PORT):
        if time.monotonic() > deadline or process.poll() is not None:
            raise RuntimeError("the stream server did not start")
        time.sleep(0.2)
    return process


def stop_server(server: subprocess.Popen) -> None:
    """Stop the server; kill it if it has not stopped 30 s later (uvicorn waits on streams)."""
    server.terminate()
    try:
        server.wait(30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(10)


class Client:
    """Many streams from one event loop; records when each tweet event arrived."""

    def __init__(self):
        self.arrivals: dict[int, list[float]] = {}
        self.open = 0
        self.refused = 0
        self.tasks: list[asyncio.Task] = []

    async def stream(self, session: aiohttp.ClientSession, token: str, ready: asyncio.Event):
        headers = {"Authorization": f"Bearer {token}"}
        try:
            async with session.get(
                f"http://127.0.0.1:{PORT}/api/v1/me/stream", headers=headers
            ) as response:
                if response.status != 200:
                    self.refused += 1
                    ready.set()
                    return
                kind = None
                async for raw in response.content:
                    line = raw.decode().rstrip("\n")
                    if line.startswith("event: "):
                        kind = line[7:]
                        if kind == "hello":
                            self.open += 1
                            ready.set()
                    elif line.startswith("data: ") and kind == "tweet":
                        now = time.monotonic()
                        tweet_id = json.loads(line[6:])["tweet_id"]
                        self.arrivals.setdefault(tweet_id, []).append(now)
        except (aiohttp.ClientError, asyncio.CancelledError):
            ready.set()

    async def open_streams(self, session, tokens: list[str], batch: int = 250) -> None:
        for start in range(0, len(tokens), batch):
            events = []
            for token in tokens[start : start + batch]:
                ready = asyncio.Event()
                events.append(ready)
                self.tasks.append(asyncio.create_task(self.stream(session, token, ready)))
            await asyncio.wait_for(asyncio.gather(*(e.wait() for e in events)), 120)


def post_tweet(content: str) -> tuple[int, float]:
    from accounts.models import User
    from tweets.services import tweet_create

    poster = User.objects.get(username="sb0")
    started = time.monotonic()
    tweet = tweet_create(author=poster, content=content)
    return tweet.pk, started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def run_level(server, tokens, level, args) -> dict:
    client = Client()
    before = rss_kb(server.pid)
    connector = aiohttp.TCPConnector(limit=0, force_close=False)
    timeout = aiohttp.ClientTimeout(total=None, sock_read=None)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        opened_at = time.monotonic()
        await client.open_streams(session, tokens[:level])
        opening = time.monotonic() - opened_at
        await asyncio.sleep(3)
        with_streams = rss_kb(server.pid)
        cpu_start = stack_module.tree_cpu_seconds(server.pid)
        await asyncio.sleep(args.idle)
        idle_cpu = stack_module.tree_cpu_seconds(server.pid) - cpu_start
        latencies, expected, per_post = [], 0, []
        for i in range(args.posts):
            tweet_id, started = await asyncio.to_thread(post_tweet, f"live bench {level} {i}")
            expected += min(level, FOLLOWERS)
            await asyncio.sleep(args.gap)
            these = [at - started for at in client.arrivals.get(tweet_id, [])]
            latencies += these
            per_post.append(round(1000 * max(these), 1) if these else None)
        for task in client.tasks:
            task.cancel()
        await asyncio.gather(*client.tasks, return_exceptions=True)
    result = {
        "streams": level,
        "opened": client.open,
        "refused": client.refused,
        "open_seconds": round(opening, 1),
        "rss_mb_before": round(before / 1024, 1),
        "rss_mb_with_streams": round(with_streams / 1024, 1),
        "kb_per_stream": round((with_streams - before) / max(client.open, 1), 1),
        "idle_cpu_percent": round(100 * idle_cpu / args.idle, 1),
        "deliveries": len(latencies),
        "expected_deliveries": expected,
        "latency_p50_ms": round(1000 * statistics.median(latencies), 1) if latencies else None,
        "latency_p99_ms": round(1000 * percentile(latencies, 0.99), 1) if latencies else None,
        "latency_max_ms": round(1000 * max(latencies), 1) if latencies else None,
        "latency_max_ms_per_post": per_post,
        "load_average": os.getloadavg()[0],
    }
    print(json.dumps(result), flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", default="1000,10000")
    parser.add_argument("--database", default="tc_streams")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--server", choices=["granian", "uvicorn"], default="granian")
    parser.add_argument("--idle", type=float, default=30.0)
    parser.add_argument("--posts", type=int, default=5)
    parser.add_argument("--gap", type=float, default=3.0)
    parser.add_argument("--json")
    parser.add_argument(
        "--hold",
        type=float,
        help="on an existing seeded --database: open --streams streams and hold them this long "
        "(run bench/load.py beside it)",
    )
    args = parser.parse_args()
    levels = [int(level) for level in args.streams.split(",")]
    if args.hold:
        stack_module.raise_fd_limit(levels[0] * 2 + 1000)
        url, tokens = tokens_of_existing(args.database, levels[0])
        server = start_server(url, args.workers, args.server)
        try:
            result = asyncio.run(hold(server, tokens, args.hold))
        finally:
            stop_server(server)
        if args.json:
            Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
        return
    stack_module.raise_fd_limit(max(levels) * 2 + 1000)
    url, tokens = setup_database(args.database, max(levels))
    server = start_server(url, args.workers, args.server)
    results = []
    try:
        for level in levels:
            results.append(asyncio.run(run_level(server, tokens, level, args)))
    finally:
        stop_server(server)
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {"server": args.server, "workers": args.workers, "levels": results}, indent=2
            )
            + "\n"
        )


if __name__ == "__main__":
    main()
