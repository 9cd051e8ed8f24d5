"""Load generator: DeathStarBench's social-network mix against the production server.

    .venv/bin/python bench/load.py --stack gunicorn --concurrency 50,200,1000 --duration 60 \
        --json docs/benchmarks/load_100k.json --plot docs/benchmarks/load_100k.png

Each concurrency level runs `c` closed-loop virtual users, each one a distinct seeded user
with a bearer token of its own (made with accounts.services.token_create straight in the
database before the run and revoked after it), over keep-alive connections on loopback. The
mix: 60 % home timeline, 30 % user timeline (a random public account), 10 % posting, plus a
trickle of likes (2) and follows (0.5). `--post-rate R` instead posts at a fixed R tweets/s
(open loop, so a slow server cannot lower the offered rate) while the virtual users run the
reads and the trickle as fast as they can; `--read-rate R` adds the rest of the mix at a fixed
R requests/s too, so posting can be measured next to a read load the machine can carry.

Everything is bounded: `--duration` seconds per level after `--warmup`, requests time out
after `--timeout`, the target must be a loopback URL. With `--stack gunicorn|granian` it
starts PgBouncer and the app server itself (bench/stack.py) and stops them at the end;
otherwise it loads `--url`. Non-2xx answers and transport failures are errors.

The floor: after the mix, each level runs the same number of closed-loop connections against
`GET /readyz` (one-row read, no session or token: the cheapest request that goes through the
same server, middleware and pool) for `--floor-duration` seconds, so every report (stdout,
`--json`, `--plot`) says what the framework itself allows at that concurrency, on the same
machine in the same minute, and which fraction of it the mix reaches. `--no-floor` skips it.

The generator shares the machine's cores with the server: it runs niced (`--nice`, default
5) and reports its own CPU use next to each level's numbers.
"""

import argparse
import asyncio
import json
import os
import random
import resource
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import stack as stack_module

OPS = ("home", "user", "post", "like", "follow")
FLOOR_OP = "floor"
FLOOR_PATH = "/readyz"
MIX = {"home": 60.0, "user": 30.0, "post": 10.0, "like": 2.0, "follow": 0.5}
VOCABULARY = (
    "coffee morning build deploy postgres django timeline launch weekend music river city "
    "train garden paper window rain summer design review lunch bike idea night"
)
WORDS = VOCABULARY.split()


@dataclass
class World:
    """What the virtual users act with: their tokens, and things to read, like and follow."""

    tokens: list[str]
    token_user_ids: list[int]
    usernames: list[str]  # public accounts whose timelines are read and who get followed
    tweet_ids: list[int]  # recent tweets by public accounts, to like
    created_tokens: list[str] = field(default_factory=list)


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "twitterclone.settings.local")
    import django

    django.setup()


def world_create(*, users: int, seed: int) -> World:
    """Pick `users` seeded accounts and issue each a token; pick read, like and follow targets."""
    from django.db import connection

    from accounts.models import User
    from accounts.services import token_create

    rng = random.Random(seed)
    ids = sorted(User.objects.filter(is_active=True).values_list("id", flat=True))
    chosen = rng.sample(ids, min(users, len(ids)))
    by_id = {user.pk: user for user in User.objects.filter(pk__in=chosen)}
    tokens = [token_create(user=by_id[pk]) for pk in chosen]
    public = list(
        User.objects.filter(is_active=True, privacy="public").values_list("username", flat=True)
    )
    usernames = rng.sample(public, min(5000, len(public)))
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT t.id FROM tweets t JOIN users u ON u.id = t.user_id
            WHERE u.privacy = 'public' AND u.is_active
            ORDER BY t.created_at DESC LIMIT 20000
            """
        )
        tweet_ids = [row[0] for row in cursor.fetchall()]
    connection.close()
    return World(
        tokens=tokens,
        token_user_ids=chosen,
        usernames=usernames,
        tweet_ids=tweet_ids,
        created_tokens=list(tokens),
    )


def queue_drain(*, timeout: float, worker: bool) -> tuple[int, float]:
    """Wait until no job is due (the worker ran what earlier levels or runs queued), at most
    `timeout` seconds; return the due jobs found first and the seconds waited.

    A backlog left by the previous level would otherwise be worked off during the next one,
    on the same cores, and be counted against it. Counted straight in the job table, so it
    works for any checkout's worker (`run_jobs` or `db_worker`); without a worker it only
    reports.
    """
    from django.db import connection

    def due() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status = 'READY'"
                " AND (run_after <= now() OR run_after >= '9999-01-01')"
            )
            return cursor.fetchone()[0]

    started = time.monotonic()
    first = left = due()
    while worker and left and time.monotonic() - started < timeout:
        time.sleep(1.0)
        left = due()
    connection.close()
    return first, time.monotonic() - started


def world_delete(world: World) -> None:
    """Revoke the tokens this run issued."""
    from django.db import connection

    from accounts.services import token_delete

    for token in world.created_tokens:
        token_delete(token=token)
    connection.close()


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile of `values` (q in 0..100)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def cpu_times() -> tuple[float, float]:
    """Return (busy, total) jiffies of the whole machine from /proc/stat."""
    with open("/proc/stat") as stat:
        parts = [float(x) for x in stat.readline().split()[1:]]
    idle = parts[3] + parts[4]
    return sum(parts) - idle, sum(parts)


@dataclass
class Record:
    started: float  # seconds since the level started
    op: str
    status: int  # HTTP status; 0 for a transport failure or timeout
    ms: float
    error: str = ""


def request_for(op: str, rng: random.Random, world: World, counter: list[int]):
    """Return (method, path, json body) for one operation."""
    if op == "home":
        return "GET", "/api/v1/timeline/home", None
    if op == "user":
        return "GET", f"/api/v1/users/{rng.choice(world.usernames)}/tweets", None
    if op == "post":
        counter[0] += 1
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 12)))
        return "POST", "/api/v1/tweets", {"content": f"{words} #loadtest {counter[0]}"}
    if op == "like":
        return "POST", f"/api/v1/tweets/{rng.choice(world.tweet_ids)}/like", None
    if op == "follow":
        return "POST", f"/api/v1/users/{rng.choice(world.usernames)}/follow", None
    if op == FLOOR_OP:
        return "GET", FLOOR_PATH, None
    raise ValueError(op)


async def one_request(session, method, path, body, token, timeout) -> tuple[int, str]:
    import aiohttp

    try:
        async with session.request(
            method,
            path,
            json=body,
            headers={"Authorization": f"Bearer {token}"} if token else None,
            timeout=aiohttp.ClientTimeout(total=timeout),
        ) as response:
            await response.read()
            return response.status, ""
    except TimeoutError:
        return 0, "timeout"
    except Exception as exc:  # connection refused/reset: a failed request, counted
        return 0, type(exc).__name__


async def run_level(
    *,
    url: str,
    world: World,
    concurrency: int,
    duration: float,
    warmup: float,
    post_rate: float,
    timeout: float,
    seed: int,
    read_rate: float = 0.0,
    floor: bool = False,
) -> dict:
    """Run one level: the mix, or with `floor` only GET /readyz (no token, nothing paced)."""
    import aiohttp

    mix = dict(MIX)
    if floor:
        mix, post_rate, read_rate = {FLOOR_OP: 1.0}, 0.0, 0.0
    elif post_rate:
        mix.pop("post")
    ops, weights = list(mix), list(mix.values())
    records: list[Record] = []
    counter = [0]
    now = time.perf_counter  # uvloop's loop.time() ticks in whole milliseconds
    start = now()
    measure_from = start + warmup
    stop_at = measure_from + duration
    connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=60, force_close=False)
    session = aiohttp.ClientSession(base_url=url, connector=connector, auto_decompress=False)

    async def virtual_user(index: int) -> None:
        rng = random.Random(seed * 1_000_003 + index)
        token = None if floor else world.tokens[index % len(world.tokens)]
        # Spread the first connections over a second instead of one burst of SYNs.
        await asyncio.sleep(rng.random() * min(1.0, warmup))
        while now() < stop_at:
            op = rng.choices(ops, weights)[0]
            method, path, body = request_for(op, rng, world, counter)
            began = now()
            status, error = await one_request(session, method, path, body, token, timeout)
            if began >= measure_from:
                ms = (now() - began) * 1000
                records.append(Record(began - start, op, status, ms, error))

    async def send_once(op: str, rng: random.Random, token: str) -> None:
        method, path, body = request_for(op, rng, world, counter)
        began = now()
        status, error = await one_request(session, method, path, body, token, timeout)
        if began >= measure_from:
            ms = (now() - began) * 1000
            records.append(Record(began - start, op, status, ms, error))

    async def paced(rate: float, choose, salt: int) -> None:
        """Start requests at `rate` per second whatever the answers (open loop)."""
        rng = random.Random(seed * 7 + salt)
        pending = set()
        n = 0
        while True:
            due = start + n / rate
            if due >= stop_at:
                break
            if due > now():
                await asyncio.sleep(due - now())
            token = world.tokens[(n * 7919 + salt) % len(world.tokens)]
            task = asyncio.create_task(send_once(choose(rng), rng, token))
            pending.add(task)
            task.add_done_callback(pending.discard)
            n += 1
        if pending:
            await asyncio.gather(*pending)

    roles = {role: proc.pid for role, proc in stack_module.STARTED.items() if proc.poll() is None}
    tasks = [asyncio.create_task(virtual_user(i)) for i in range(concurrency)]
    if post_rate:
        tasks.append(asyncio.create_task(paced(post_rate, lambda rng: "post", salt=1)))
    if read_rate:
        tasks.append(
            asyncio.create_task(paced(read_rate, lambda rng: rng.choices(ops, weights)[0], salt=2))
        )
    await asyncio.sleep(max(0.0, measure_from - now()))
    usage_before = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = cpu_times()
    servers_before = {role: stack_module.tree_cpu_seconds(pid) for role, pid in roles.items()}
    await asyncio.sleep(max(0.0, stop_at - now()))
    usage_after = resource.getrusage(resource.RUSAGE_SELF)
    cpu_after = cpu_times()
    servers_cpu = {
        role: stack_module.tree_cpu_seconds(pid) - servers_before[role]
        for role, pid in roles.items()
    }
    await asyncio.gather(*tasks)
    await session.close()

    return summarise(
        records,
        concurrency=concurrency,
        duration=duration,
        post_rate=post_rate,
        generator_cpu_s=(usage_after.ru_utime + usage_after.ru_stime)
        - (usage_before.ru_utime + usage_before.ru_stime),
        machine_busy=(cpu_after[0] - cpu_before[0]) / max(1.0, cpu_after[1] - cpu_before[1]),
        servers_cpu=servers_cpu,
        end=warmup + duration,
    )


def _stats(records: list[Record]) -> dict:
    ok = [r.ms for r in records if 200 <= r.status < 300]
    failed = [r.ms for r in records if not 200 <= r.status < 300]
    return {
        "count": len(records),
        "errors": len(failed),
        "p50_ms": _round(percentile(ok, 50)),
        "p95_ms": _round(percentile(ok, 95)),
        "p99_ms": _round(percentile(ok, 99)),
        "max_ms": _round(max(ok) if ok else None),
        "failed_p99_ms": _round(percentile(failed, 99)),
    }


def _round(value):
    return None if value is None else round(value, 2)


def summarise(
    records,
    *,
    concurrency,
    duration,
    post_rate,
    generator_cpu_s,
    machine_busy,
    servers_cpu=None,
    end=float("inf"),
) -> dict:
    all_ms = [r.ms for r in records]
    errors = [r for r in records if not 200 <= r.status < 300]
    kinds: dict[str, int] = {}
    present = {r.op for r in records}
    ops = (*OPS, FLOOR_OP) if FLOOR_OP in present else OPS
    for r in errors:
        key = f"{r.op}:{r.status or r.error}"
        kinds[key] = kinds.get(key, 0) + 1
    # Sustained rate: tweets whose 201 arrived inside the measured window (a post offered at
    # a fixed rate but answered after the window does not count).
    posted = sum(
        1 for r in records if r.op == "post" and r.status == 201 and r.started + r.ms / 1000 <= end
    )
    offered_posts = sum(1 for r in records if r.op == "post")
    per_second: dict[int, dict] = {}
    for r in records:
        second = per_second.setdefault(int(r.started), {"ok": 0, "errors": 0})
        second["ok" if 200 <= r.status < 300 else "errors"] += 1
    return {
        "concurrency": concurrency,
        "duration_s": duration,
        "requests": len(records),
        "rps": round(len(records) / duration, 1),
        "p50_ms": _round(percentile(all_ms, 50)),
        "p95_ms": _round(percentile(all_ms, 95)),
        "p99_ms": _round(percentile(all_ms, 99)),
        "max_ms": _round(max(all_ms) if all_ms else None),
        "errors": len(errors),
        "error_kinds": kinds,
        "tweets_per_s": round(posted / duration, 1),
        "posts_started_per_s": round(offered_posts / duration, 1),
        "post_rate_target": post_rate or None,
        "ops": {op: _stats([r for r in records if r.op == op]) for op in ops},
        "generator_cpu_percent_of_one_core": round(100 * generator_cpu_s / duration, 1),
        "machine_cpu_busy_percent": round(100 * machine_busy, 1),
        # CPU of the processes this run started (app server with its workers, PgBouncer, the
        # job worker): per request it hardly moves with what else the machine is doing.
        "server_cpu_percent_of_one_core": {
            role: round(100 * seconds / duration, 1)
            for role, seconds in (servers_cpu or {}).items()
        },
        # Every app server together (app, app2, ... with --app-servers), and HAProxy's share.
        "app_cpu_ms_per_request": (
            round(
                1000
                * sum(cpu for role, cpu in servers_cpu.items() if role.startswith("app"))
                / len(records),
                2,
            )
            if servers_cpu and "app" in servers_cpu and records
            else None
        ),
        "haproxy_cpu_ms_per_request": (
            round(1000 * servers_cpu["haproxy"] / len(records), 3)
            if servers_cpu and "haproxy" in servers_cpu and records
            else None
        ),
        "per_second": per_second,
    }


def plot(runs: list[dict], path: Path, title: str) -> None:
    """Draw latency percentiles and throughput against concurrency into a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    runs = sorted(runs, key=lambda run: run["concurrency"])
    xs = [run["concurrency"] for run in runs]
    fig, left = plt.subplots(figsize=(7, 4.2), dpi=110)
    for key, style in (("p50_ms", "o-"), ("p95_ms", "s--"), ("p99_ms", "^:")):
        left.plot(xs, [run[key] for run in runs], style, label=key.removesuffix("_ms"))
    left.set_xscale("log")
    left.set_xticks(xs, [str(x) for x in xs])
    left.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    left.set_xlabel("concurrent connections (closed loop)")
    left.set_yscale("log")  # closed loop: latency grows about linearly with concurrency
    left.set_ylabel("latency (ms, log scale)")
    floors = [run.get("floor") for run in runs]
    if any(floors):
        left.plot(
            xs,
            [floor["p99_ms"] if floor else None for floor in floors],
            "x:",
            color="grey",
            label="floor p99",
        )
    right = left.twinx()
    right.plot(xs, [run["rps"] for run in runs], "kD-", label="throughput")
    if any(floors):
        right.plot(
            xs,
            [floor["rps"] if floor else None for floor in floors],
            "D--",
            color="grey",
            label=f"floor ({FLOOR_PATH}) throughput",
        )
        for x, run in zip(xs, runs, strict=True):
            if run.get("floor_fraction") is not None:
                right.annotate(
                    f"{100 * run['floor_fraction']:.0f}% of floor",
                    (x, run["rps"]),
                    textcoords="offset points",
                    xytext=(0, 8),
                    ha="center",
                    fontsize=7,
                )
    right.set_ylabel("requests / s")
    right.set_ylim(bottom=0)
    lines = left.get_legend_handles_labels()
    more = right.get_legend_handles_labels()
    left.legend(lines[0] + more[0], lines[1] + more[1], loc="upper left", fontsize=8)
    left.set_title(title, fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


def print_floor(run: dict) -> None:
    floor = run.get("floor")
    if not floor:
        return
    print(
        f"c={run['concurrency']:>5}  floor {FLOOR_PATH}: rps={floor['rps']}  "
        f"p50={floor['p50_ms']}  p99={floor['p99_ms']}  errors={floor['errors']}  "
        f"app CPU/request={floor['app_cpu_ms_per_request']} ms  "
        f"machine busy={floor['machine_cpu_busy_percent']}%  "
        f"mix = {100 * run['floor_fraction']:.1f}% of the floor's rps",
        flush=True,
    )


def floor_summary(run: dict) -> dict:
    """The floor level's numbers that the report keeps (not its per-second series)."""
    keep = (
        "duration_s",
        "requests",
        "rps",
        "p50_ms",
        "p95_ms",
        "p99_ms",
        "max_ms",
        "errors",
        "error_kinds",
        "generator_cpu_percent_of_one_core",
        "machine_cpu_busy_percent",
        "server_cpu_percent_of_one_core",
        "app_cpu_ms_per_request",
    )
    return {key: run[key] for key in keep}


def floor_fraction(mix_rps: float, floor_rps: float) -> float | None:
    """The mix's throughput as a fraction of the floor's (None when the floor served nothing)."""
    return round(mix_rps / floor_rps, 3) if floor_rps else None


def print_run(run: dict) -> None:
    ops = run["ops"]
    print(
        f"c={run['concurrency']:>5}  rps={run['rps']:>7}  p50={run['p50_ms']}  "
        f"p95={run['p95_ms']}  p99={run['p99_ms']}  errors={run['errors']} "
        f"{run['error_kinds'] or ''}  tweets/s={run['tweets_per_s']}  "
        f"post p99={ops['post']['p99_ms']}  "
        f"generator CPU={run['generator_cpu_percent_of_one_core']}% of a core  "
        f"machine busy={run['machine_cpu_busy_percent']}%  "
        f"servers CPU={run['server_cpu_percent_of_one_core']}  "
        f"app CPU/request={run['app_cpu_ms_per_request']} ms",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--stack", choices=["gunicorn", "granian"], help="start the stack too")
    parser.add_argument("--threads", type=int, default=4, help="with --stack: threads/worker")
    parser.add_argument("--workers", type=int, default=2, help="with --stack: worker processes")
    parser.add_argument("--no-worker", action="store_true", help="with --stack: no job worker")
    parser.add_argument(
        "--app-servers", type=int, default=1, help="with --stack: N >= 2 app servers behind HAProxy"
    )
    parser.add_argument("--port", type=int, default=8000, help="with --stack: where it listens")
    parser.add_argument("--bouncer-port", type=int, default=6432, help="with --stack: PgBouncer")
    parser.add_argument(
        "--pool-mode",
        choices=stack_module.POOL_MODES,
        default="session",
        help="with --stack: PgBouncer's pool mode (session: prepared statements on)",
    )
    parser.add_argument("--database", default="tc_seed")
    parser.add_argument("--pg-port", type=int, default=5432)
    parser.add_argument("--concurrency", default="50,200,1000")
    parser.add_argument("--duration", type=float, default=60.0, help="measured seconds per level")
    parser.add_argument("--warmup", type=float, default=5.0, help="unmeasured seconds per level")
    parser.add_argument("--pause", type=float, default=5.0, help="seconds between levels")
    parser.add_argument("--post-rate", type=float, default=0.0, help="fixed tweets/s (open loop)")
    parser.add_argument(
        "--read-rate",
        type=float,
        default=0.0,
        help="fixed other requests/s of the mix without posts (open loop)",
    )
    parser.add_argument(
        "--no-floor", action="store_true", help=f"do not measure the {FLOOR_PATH} floor"
    )
    parser.add_argument(
        "--floor-duration",
        type=float,
        help="measured seconds of the floor per level (default: --duration)",
    )
    parser.add_argument("--users", type=int, default=2000, help="distinct users with tokens")
    parser.add_argument("--timeout", type=float, default=30.0, help="per-request timeout (s)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--nice", type=int, default=5, help="lower the generator's priority")
    parser.add_argument(
        "--drain",
        type=float,
        default=180.0,
        metavar="S",
        help="with --stack: before each level wait up to S s for the job queue to empty (0: not)",
    )
    parser.add_argument("--json", type=Path)
    parser.add_argument("--plot", type=Path, help="PNG of percentiles and rps vs concurrency")
    args = parser.parse_args()

    host = urlparse(args.url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        parser.error("loopback URLs only")
    levels = [int(c) for c in args.concurrency.split(",")]
    limit = stack_module.raise_fd_limit(max(20000, 4 * max(levels)))
    if limit < max(levels) + 100:
        parser.error(f"open-file limit {limit} is too low for {max(levels)} connections")

    database_url = f"postgres://postgres@127.0.0.1:{args.pg_port}/{args.database}"
    setup_django(database_url)
    world = world_create(users=max(args.users, max(levels)), seed=args.seed)
    print(
        f"{len(world.tokens)} users with tokens, {len(world.usernames)} timelines to read, "
        f"{len(world.tweet_ids)} tweets to like",
        flush=True,
    )
    runs = []
    environment = {
        "cpus": os.cpu_count(),
        "load_average_before": os.getloadavg(),
        "database": args.database,
        "server": args.stack or args.url,
        "app_servers": args.app_servers,
        "pool_mode": args.pool_mode if args.stack else None,
        "command": " ".join(sys.argv),
    }
    try:
        import uvloop

        context = (
            stack_module.stack(
                database=args.database,
                server=args.stack,
                port=args.port,
                pg_port=args.pg_port,
                bouncer_port=args.bouncer_port,
                workers=args.workers,
                threads=args.threads,
                worker=not args.no_worker,
                app_servers_count=args.app_servers,
                pool_mode=args.pool_mode,
            )
            if args.stack
            else _nullcontext(args.url)
        )
        with context as url:
            os.nice(args.nice)
            for index, concurrency in enumerate(levels):
                if index:
                    time.sleep(args.pause)
                if args.stack and args.drain:
                    found, waited = queue_drain(timeout=args.drain, worker=not args.no_worker)
                    print(f"queue: {found} due jobs, drained in {waited:.0f} s", flush=True)
                load_before = os.getloadavg()[0]
                run = uvloop.run(
                    run_level(
                        url=url,
                        world=world,
                        concurrency=concurrency,
                        duration=args.duration,
                        warmup=args.warmup,
                        post_rate=args.post_rate,
                        read_rate=args.read_rate,
                        timeout=args.timeout,
                        seed=args.seed + index,
                    )
                )
                run["load_average_1m_before"] = load_before
                run["read_rate_target"] = args.read_rate or None
                print_run(run)
                if not args.no_floor:
                    time.sleep(args.pause)
                    floor = uvloop.run(
                        run_level(
                            url=url,
                            world=world,
                            concurrency=concurrency,
                            duration=args.floor_duration or args.duration,
                            warmup=args.warmup,
                            post_rate=0.0,
                            timeout=args.timeout,
                            seed=args.seed + index,
                            floor=True,
                        )
                    )
                    run["floor"] = floor_summary(floor)
                    run["floor_fraction"] = floor_fraction(run["rps"], floor["rps"])
                    print_floor(run)
                runs.append(run)
    finally:
        world_delete(world)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"runs": runs, "environment": environment}, indent=1))
    if args.plot and runs:
        server = args.stack or "server"
        plot(
            runs,
            args.plot,
            f"{server}, 2 workers, PgBouncer; {args.database}; {args.duration:.0f} s per level",
        )


class _nullcontext:
    def __init__(self, value):
        self.value = value

    def __enter__(self):
        return self.value

    def __exit__(self, *exc):
        return False


if __name__ == "__main__":
    main()
