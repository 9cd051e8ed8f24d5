"""Generate a large synthetic social world and bulk-load it with COPY (`manage.py seed_social`).

Everything is drawn from `random.Random` streams derived from one seed, so a seed (and a
fixed `now`) gives the same rows every time; only the password hash differs (its salt).

The world is generated in Python first (indices 0..n-1, no ids yet), with every counter
computed on the way, then written with COPY in one transaction: the loaded tables' secondary
indexes and unique constraints (all but primary keys and what a foreign key needs, read from
the catalog) are dropped first and recreated from their saved definitions afterwards, which
checks every row at once. When the seed is not nested in an outer transaction the load
commits after the COPYs, and the rest runs in several sessions at once, each step in a
transaction of its own as soon as what it needs is done: the extensions' fills (below), the
rebuilds (the costliest first: PostgreSQL builds the full-text GIN index on one core, so it
starts beside the fills), an ANALYZE per table after its rebuilds. A step that fails (a
duplicate the re-added unique constraint finds, say) fails the command, naming every step
not done and saying to seed again with --flush. Nested, all of it runs in the caller's
transaction, in order. Bypassing the services is deliberate here (10 M rows through the ORM
would take hours); the invariants the services keep are kept by construction and checked by
`recount --check`, `check_graph` and tweets/tests/test_seed_social.py.

Apps above `tweets` derive rows of their own from the loaded ones (notifications, home
timelines): they may not be imported here, so the command passes them in as
`SeedExtension`s, which run after the COPYs, with their tables' indexes, unique constraints
and primary keys dropped alongside (a derived table is filled in an order of its own, not
its keys').

One file on purpose (about 950 lines): one subsystem behind one command. Most of it is the
_World generator, whose phases share the world's arrays (users feed the graph, the graph the
tweets, the tweets the likes); the rest is the COPY loader that writes them.
"""

import hashlib
import math
import os
import sys
import threading
import time
from array import array
from bisect import bisect
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from random import Random

from django.contrib.auth.hashers import make_password
from django.core.management.base import CommandError, OutputWrapper
from django.db import DatabaseError, connection, transaction
from psycopg.copy import QueuedLibpqWriter

from .models import MAX_CONTENT_LENGTH, tweet_columns

SEED_USERNAME_PREFIX = "seed_"
SEED_PASSWORD = "seed-password"
ALREADY_SEEDED = (
    "Seed users (seed_...) already exist; run with --flush to empty the social tables first."
)
# The tables COPY fills; their secondary indexes are dropped during the load.
LOADED_TABLES = ("users", "user_follows", "user_followers", "follow_requests", "tweets", "likes")
# --flush empties these (CASCADE reaches every table with a foreign key to them) ...
FLUSH_TABLES = (*LOADED_TABLES, "blocks")
# ... and these when they exist: derived from the rows above, without foreign keys to them.
FLUSH_TABLES_IF_PRESENT = ("home_timeline", "home_timelines", "reports")
COPY_CHUNK_ROWS = 100_000
# Index and constraint rebuilds: memory per session (a GIN build fills it before it flushes;
# a btree sort stays in memory), and sessions at once after the load (fills, rebuilds and
# ANALYZEs; one more than the cores, at least three: the full-text GIN build, which
# PostgreSQL runs on one core, starts beside the fills instead of after them).
REBUILD_MEMORY = "1GB"
# The rebuilds a load dropped and has not recreated yet: saved with the load, so a seed that
# fails after its load committed leaves them for the next seed (with --flush) to recreate.
PENDING_TABLE = "seed_pending_rebuilds"
REBUILD_SESSIONS = max(3, (os.cpu_count() or 1) + 1)

# The shape of the world.
USER_AGE_DAYS = (90, 365)
TWEET_DAYS = 90
PROTECTED_SHARE = 0.05
PRIVATE_SHARE = 0.02
# The most-followed 1% stay public (public figures); the top ones are verified.
PUBLIC_FIGURE_SHARE = 0.01
VERIFIED_TOP = 100
VERIFIED_PER_USERS = 1000
# Out-degrees: ~1% heavy followers (log-uniform 1,000-5,000), the rest Lomax (power-law tail).
HEAVY_FOLLOWER_SHARE = 0.01
HEAVY_FOLLOWS = (1000, 5000)
HEAVY_BUDGET_SHARE = 0.4
MAX_NORMAL_FOLLOWS = 999
OUT_DEGREE_ALPHA = 2.0
# Followees: this share by Zipf popularity over a shuffled id order, the rest uniform.
# At 100,000 users / 100 follows it gives several dozen accounts with 10,000+ followers.
ZIPF_FOLLOW_SHARE = 0.7
ZIPF_EXPONENT = 1.0
CELEBRITY_FOLLOWERS = 10_000
HEAVY_FOLLOWER_FOLLOWS = 1000
# Pending follow requests: this share of non-public accounts has 1-3.
REQUESTED_SHARE = 0.3
REQUEST_DAYS = 30
# Tweets per user: Lomax weights, capped so no single account dominates.
ACTIVITY_ALPHA = 1.8
ACTIVITY_CAP = 50.0
RETWEET_SHARE = 0.10
REPLY_SHARE = 0.15
QUOTE_SHARE = 0.02
# Replies, retweets and likes favour the public figures' tweets, and replies recent ones.
HOT_TARGET_SHARE = 0.4
RECENT_WINDOW_SHARE = 0.02
LIKE_DELAY_MAX_MS = 2 * 86_400_000
MEDIA_SHARE = 0.02
MENTION_SHARE = 0.10
HASHTAG_VOCABULARY = 1000
# Hashtags per tweet, as a lookup table of 100 equally likely entries: 55% none ... 5% three.
HASHTAG_COUNTS = [0] * 55 + [1] * 30 + [2] * 10 + [3] * 5
PHRASES = 8192
PHRASE_MAX_CHARS = 100

KIND_ORIGINAL, KIND_REPLY, KIND_RETWEET, KIND_QUOTE = 0, 1, 2, 3
NULL = "\\N"

_WORDS_TEXT = """
time people year way day man thing woman life child world school state family student group
country problem hand part place case week company system program question work government
number night point home water room mother area money story fact month lot right study book eye
job word business issue side kind head house service friend father power hour game line end
member law car city community name president team minute idea kid body information back parent
face others level office door health person art war history party result change morning reason
research girl guy moment air teacher force education coffee music data code database python
django postgres query index cache server deploy release bug feature test review design launch
new good first last long great little own other old big high different small large next early
young important few public bad same able late hard major better free sure real best strong
happy quick slow bright quiet loud fresh simple clean open final huge tiny weird cool warm
say get make go know take see come think look want give use find tell ask seem feel try leave
call need become keep mean begin help show hear play run move like live believe hold bring
write provide sit stand lose pay meet include continue set learn lead understand watch follow
stop create speak read allow add spend grow win offer remember love consider appear buy wait
ship build fix measure scale refactor index shard merge push pull
just really very still also now then here there today tonight again always never maybe
finally actually definitely probably honestly
"""
WORDS = _WORDS_TEXT.split()
_FIRST_NAMES_TEXT = """
Ada Alan Alex Ana Ben Bo Cara Chen Dana Dev Eli Emma Eva Finn Gia Hana Ian Ines Ivan Jae Jon
Kai Kim Lea Leo Lin Liu Mae Mia Nia Noa Omar Ola Pia Raj Rei Sam Sara Tao Tess Uma Vic Wen
Yara Yui Zoe Zack
"""
FIRST_NAMES = _FIRST_NAMES_TEXT.split()
_LAST_NAMES_TEXT = """
Abe Bauer Costa Diaz Eng Fox Garcia Haas Ito Jensen Khan Lopez Meyer Novak Okafor Park Quinn
Rossi Silva Tanaka Usman Varga Weber Xu Yilmaz Zhou
"""
LAST_NAMES = _LAST_NAMES_TEXT.split()


@dataclass(frozen=True)
class SeedParams:
    users: int
    avg_follows: int
    tweets: int
    seed: int
    likes_per_tweet: float = 0.5
    # The end of the 90-day window; fix it to make a seed byte-for-byte reproducible.
    now: datetime | None = None


@dataclass
class SeedSummary:
    users: int = 0
    follow_edges: int = 0
    follow_requests: int = 0
    tweets: int = 0
    replies: int = 0
    retweets: int = 0
    quotes: int = 0
    likes: int = 0
    celebrities: int = 0
    heavy_followers: int = 0
    verified: int = 0
    protected: int = 0
    private: int = 0
    max_followers: int = 0
    max_following: int = 0
    replica_role: bool = False
    frozen: bool = False
    phases: dict[str, float] = field(default_factory=dict)
    # Seconds per step after the COPYs (fills, rebuilds, ANALYZEs), and how many sessions ran
    # them.
    rebuilds: dict[str, float] = field(default_factory=dict)
    rebuild_sessions: int = 1
    # Rows the extensions wrote, by table.
    derived: dict[str, int] = field(default_factory=dict)
    # Every step after the COPYs (fills, rebuilds, ANALYZEs) by name: when it started, how
    # long it took.
    steps: dict[str, "_Step"] = field(default_factory=dict)


@dataclass(frozen=True)
class SeedExtension:
    """A table another app fills from the loaded rows once they are in.

    `fill()` runs after every COPY, before its table's dropped indexes and constraints are
    recreated, in a transaction of its own once the load has committed (beside the other
    fills and the rebuilds of the loaded tables' indexes), or in the caller's transaction
    when the seed is nested in one. It returns how many rows it wrote, and runs under the
    load's session settings (foreign-key triggers off where the server allows).
    """

    table: str
    fill: Callable[[], int]
    # Whether the seed drops the table's secondary indexes, unique constraints and primary
    # key before the fill and rebuilds them after it (a fill of a table it empties itself,
    # indexes and all, says False).
    rebuild_indexes: bool = True


class Progress:
    """One line per phase on stderr: rewritten in place on a terminal, printed once otherwise."""

    def __init__(self, stream: OutputWrapper):
        self.stream = stream
        self.tty = stream.isatty()
        self.phases: dict[str, float] = {}
        self._name = ""
        self._total = 0
        self._count = 0
        self._start = self._shown = 0.0
        self._lock = threading.Lock()

    @contextmanager
    def phase(self, name: str, total: int = 0) -> Iterator["Progress"]:
        """Time the block as phase `name`, counting towards `total` rows."""
        self._name, self._total, self._count = name, total, 0
        self._start = self._shown = time.monotonic()
        self._show(final=False)
        yield self
        self.phases[name] = time.monotonic() - self._start
        self._show(final=True)

    def advance(self, rows: int) -> None:
        # Called from the rebuild sessions' threads too.
        with self._lock:
            self._count += rows
        if self.tty and time.monotonic() - self._shown >= 0.5:
            self._show(final=False)

    def note(self, line: str) -> None:
        """Print a line of its own within the phase (called from the sessions' threads)."""
        with self._lock:
            self.stream.write(("\r" if self.tty else "") + "  " + line)
            self.stream.flush()

    def _show(self, *, final: bool) -> None:
        if not (final or self.tty):
            return
        self._shown = time.monotonic()
        counts = f"{self._count:,}" + (f"/{self._total:,}" if self._total else "")
        line = f"{self._name:<22} {counts:>25}  {self._shown - self._start:7.1f}s"
        self.stream.write(("\r" if self.tty else "") + line, ending="\n" if final else "")
        self.stream.flush()


def seed_social(
    *,
    params: SeedParams,
    flush: bool = False,
    stderr: OutputWrapper | None = None,
    extensions: Sequence[SeedExtension] = (),
) -> SeedSummary:
    """Generate the world for `params` and COPY it in; refuse if seed users already exist.

    Each of `extensions` then fills its table from the loaded rows in the same transaction.
    """
    _validate(params)
    progress = Progress(stderr or OutputWrapper(sys.stderr))
    now = (params.now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    if not flush and _already_seeded():
        raise CommandError(ALREADY_SEEDED)

    world = _World(params=params, now_s=int(now.timestamp()))
    with progress.phase("generate users", params.users) as step:
        world.generate_users(Random(f"{params.seed}:users"), step)
    with progress.phase("generate follows", params.users * params.avg_follows) as step:
        world.generate_graph(Random(f"{params.seed}:graph"), step)
    with progress.phase("generate tweets", params.tweets) as step:
        world.generate_tweets(Random(f"{params.seed}:tweets"), step)
    likes_total = round(params.likes_per_tweet * params.tweets)
    with progress.phase("generate likes", likes_total) as step:
        world.generate_likes(Random(f"{params.seed}:likes"), likes_total, step)

    summary = world.summary()
    # Nested in a caller's transaction, other sessions could not see the rows: do it all here.
    separate = not connection.in_atomic_block
    derived = [extension.table for extension in extensions if extension.rebuild_indexes]
    tables = (*LOADED_TABLES, *derived)
    with transaction.atomic():
        summary.replica_role = _session_settings()
        if not summary.replica_role:
            # Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: check each COPY when it
            # ends rather than queue millions of checks to COMMIT (CREATE INDEX refuses those).
            _execute("SET CONSTRAINTS ALL IMMEDIATE")
        summary.frozen = _flush() if flush else _truncate_if_empty()
        world.user_base, world.tweet_base = _max_id("users"), _max_id("tweets")
        rebuilds = _rebuildable(tables, keys=derived)
        # What a seed that failed after its load left missing is recreated with the rest.
        dropped = {rebuild.name for rebuild in rebuilds}
        rebuilds += [rebuild for rebuild in _pending() if rebuild.name not in dropped]
        with progress.phase("drop indexes", len(dropped)) as step:
            for rebuild in rebuilds:
                if rebuild.drop:
                    _execute(rebuild.drop)
            _save_pending(rebuilds)
            step.advance(len(dropped))
        connection.ensure_connection()
        raw = connection.connection
        freeze = " WITH (FREEZE)" if summary.frozen else ""
        for table, columns, total, rows in world.tables(Random(f"{params.seed}:content")):
            with progress.phase(f"load {table}", total) as step, raw.cursor() as cursor:
                statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN{freeze}"
                with cursor.copy(statement, writer=QueuedLibpqWriter(cursor)) as copy:
                    for chunk, count in rows:
                        copy.write(chunk)
                        step.advance(count)
        _execute(
            "SELECT setval(pg_get_serial_sequence('users', 'id'), %s)", [_max_id("users") or 1]
        )
        tweets_max = _max_id("tweets")
        _execute(
            "SELECT setval(pg_get_serial_sequence('tweets', 'id'), %s, %s)",
            [tweets_max or 1, tweets_max > 0],
        )
        steps = _after_load(extensions, rebuilds, tables)
        if not separate:
            with progress.phase("fill, index, analyze", len(steps)) as step:
                done = _in_sessions(steps, sessions=1, progress=step)
        else:
            # The fills plan their joins on these statistics (the tables are analysed again
            # once their indexes are back, for the expression indexes' statistics).
            with progress.phase("analyze loaded", len(LOADED_TABLES)) as step:
                _execute(f"ANALYZE {', '.join(LOADED_TABLES)}")
                step.advance(len(LOADED_TABLES))
    if separate:
        # The rows are committed: several sessions fill, rebuild and analyse at once, each
        # step in a transaction of its own, as soon as what it needs is done. A failure
        # leaves the loaded rows without what is still missing; the error names it, and
        # `--flush` loads everything again.
        summary.rebuild_sessions = min(REBUILD_SESSIONS, len(steps))
        with progress.phase("fill, index, analyze", len(steps)) as step:
            done = _in_sessions(steps, sessions=summary.rebuild_sessions, progress=step)
    _execute(f"DROP TABLE {PENDING_TABLE}")
    for extension in extensions:
        summary.derived[extension.table] = done[_fill_name(extension)].result
    summary.rebuilds = {name: job.seconds for name, job in done.items()}
    summary.steps = done
    summary.phases = progress.phases
    return summary


def rows_digest(tables: Iterable[str] = LOADED_TABLES) -> str:
    """Return an MD5 over the loaded rows in key order, password hashes left out (small worlds)."""
    order = {
        "users": "id",
        "user_follows": "follower_id, following_id",
        "user_followers": "user_id, follower_id",
        "follow_requests": "target_id, requester_id",
        "tweets": "id",
        "likes": "user_id, tweet_id",
    }
    digest = hashlib.md5(usedforsecurity=False)
    with connection.cursor() as cursor:
        for table in tables:
            drop = " - 'password'" if table == "users" else ""
            cursor.execute(
                f"SELECT md5(coalesce(string_agg((to_jsonb(t){drop})::text, E'\\n' "
                f"ORDER BY {order[table]}), '')) FROM {table} t"
            )
            digest.update(f"{table}:{cursor.fetchone()[0]}\n".encode())
    return digest.hexdigest()


def _validate(params: SeedParams) -> None:
    if params.users < 1:
        raise CommandError("--users must be at least 1.")
    if not 0 <= params.avg_follows < params.users:
        raise CommandError("--avg-follows must be between 0 and --users minus 1.")
    if params.tweets < 0:
        raise CommandError("--tweets must not be negative.")
    if params.likes_per_tweet < 0:
        raise CommandError("--likes-per-tweet must not be negative.")
    if params.users >= 10**8 or params.tweets >= 2**31 - 1:
        raise CommandError("At most 99,999,999 users and 2,147,483,646 tweets.")


# --- database helpers -------------------------------------------------------------------------


def _execute(sql: str, params: list | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _scalar(sql: str, params: list | None = None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _max_id(table: str) -> int:
    return _scalar(f"SELECT coalesce(max(id), 0) FROM {table}")


def _already_seeded() -> bool:
    return _scalar(
        "SELECT EXISTS (SELECT 1 FROM users WHERE lower(username) LIKE %s OR lower(email) LIKE %s)",
        # "_" is a LIKE wildcard: escape it so only the real prefix matches.
        [SEED_USERNAME_PREFIX.replace("_", "\\_") + suffix for suffix in ("%", "%@example.com")],
    )


def _try_execute(sql: str) -> bool:
    """Run `sql` in a savepoint; return False (and carry on) if the server refuses it."""
    try:
        with transaction.atomic():
            _execute(sql)
    except DatabaseError:
        return False
    return True


def _session_settings() -> bool:
    """Speed the load up for this transaction only; return whether FK triggers are off.

    SET LOCAL, not SET: the pooled connection goes back to the pool with its defaults.
    """
    _execute("SET LOCAL synchronous_commit = off")
    _try_execute("SET LOCAL maintenance_work_mem = '1GB'")
    # Skips the foreign-key triggers (superuser only); the rows are consistent by construction,
    # and loading users first keeps the load valid when the server refuses (triggers run).
    return _try_execute("SET LOCAL session_replication_role = replica")


def _flush() -> bool:
    """Empty every social table (CASCADE); return True: COPY FREEZE is allowed now."""
    present = [t for t in FLUSH_TABLES_IF_PRESENT if _scalar("SELECT to_regclass(%s)", [t])]
    _execute(f"TRUNCATE {', '.join((*FLUSH_TABLES, *present))} RESTART IDENTITY CASCADE")
    return True


def _truncate_if_empty() -> bool:
    """Truncate the loaded tables if they and every table referring to them are empty.

    Truncating in this transaction lets COPY FREEZE write the rows frozen and all-visible,
    so the new database needs no VACUUM before index-only scans work. Return whether it did.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH RECURSIVE tables(oid) AS (
                SELECT to_regclass(name)::oid FROM unnest(%s::text[]) AS name
                UNION
                SELECT c.conrelid FROM pg_constraint c JOIN tables t ON c.confrelid = t.oid
                WHERE c.contype = 'f'
            )
            SELECT oid::regclass::text FROM tables
            """,
            [list(LOADED_TABLES)],
        )
        tables = [row[0] for row in cursor.fetchall()]
        for table in tables:
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {table})")
            if cursor.fetchone()[0]:
                return False
    return _try_execute(f"TRUNCATE {', '.join(tables)}")


@dataclass(frozen=True)
class _Rebuild:
    """An index or unique constraint the load drops and recreates (from the catalog)."""

    table: str
    name: str
    # Empty for one a failed seed left dropped (from PENDING_TABLE).
    drop: str
    create: str
    constraint: bool
    # For scheduling the longest first: the table's size, times 10 for GIN (one core, slow).
    cost: float


def _pending() -> list[_Rebuild]:
    """Return the rebuilds a failed seed left undone (saved with its load; already dropped)."""
    if not _scalar("SELECT to_regclass(%s)", [PENDING_TABLE]):
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT table_name, name, create_statement, is_constraint, cost FROM {PENDING_TABLE}"
        )
        return [
            _Rebuild(table, name, "", create, constraint, cost)
            for table, name, create, constraint, cost in cursor.fetchall()
        ]


def _save_pending(rebuilds: list[_Rebuild]) -> None:
    """Save what the load dropped with it: each rebuild deletes its row when done, and the
    seed drops the table once every step is. A seed that fails in between leaves the rest
    for the next."""
    _execute(
        f"CREATE TABLE IF NOT EXISTS {PENDING_TABLE} (name text PRIMARY KEY, "
        "table_name text NOT NULL, create_statement text NOT NULL, "
        "is_constraint boolean NOT NULL, cost double precision NOT NULL)"
    )
    _execute(f"TRUNCATE {PENDING_TABLE}")
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {PENDING_TABLE} VALUES (%s, %s, %s, %s, %s)",
            [(r.name, r.table, r.create, r.constraint, r.cost) for r in rebuilds],
        )


def _rebuildable(tables: Iterable[str], *, keys: Iterable[str] = ()) -> list[_Rebuild]:
    """Return the tables' secondary indexes and unique/exclusion constraints: every index but
    the primary key's (but for the tables in `keys`) and those a foreign key depends on, with
    the statements that drop and recreate it (an index backing a constraint is rebuilt as
    that constraint)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT t.relname, quote_ident(n.nspname) || '.' || quote_ident(t.relname),
                   quote_ident(n.nspname) || '.' || quote_ident(i.relname),
                   -- A partitioned table's index reads "ON ONLY": recreate it on every partition.
                   quote_ident(c.conname), replace(pg_get_indexdef(i.oid), ' ON ONLY ', ' ON '),
                   pg_get_constraintdef(c.oid), am.amname,
                   -- the pages of a partitioned table are those of its partitions
                   coalesce((SELECT sum(p.relpages) FROM pg_partition_tree(t.oid) tree
                             JOIN pg_class p ON p.oid = tree.relid), t.relpages)
            FROM pg_index x
            JOIN pg_class i ON i.oid = x.indexrelid
            JOIN pg_class t ON t.oid = x.indrelid
            JOIN pg_namespace n ON n.oid = t.relnamespace
            JOIN pg_am am ON am.oid = i.relam
            LEFT JOIN pg_constraint c ON c.conindid = i.oid AND c.conrelid = t.oid
                                     AND c.contype IN ('p', 'u', 'x')
            WHERE n.nspname = current_schema() AND t.relname = ANY(%s)
              AND (coalesce(c.contype, '') <> 'p' OR t.relname = ANY(%s))
              AND NOT EXISTS (
                  SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = i.oid
              )
            ORDER BY t.relname, i.relname
            """,
            [list(tables), list(keys)],
        )
        rows = cursor.fetchall()
    rebuilds = []
    for table, qualified_table, index, constraint, indexdef, condef, method, pages in rows:
        cost = max(1, pages) * (10 if method == "gin" else 1)
        if constraint:
            drop = f"ALTER TABLE {qualified_table} DROP CONSTRAINT {constraint}"
            create = f"ALTER TABLE {qualified_table} ADD CONSTRAINT {constraint} {condef}"
        else:
            drop, create = f"DROP INDEX {index}", indexdef
        rebuilds.append(_Rebuild(table, constraint or index, drop, create, bool(constraint), cost))
    return rebuilds


def _rebuild_settings() -> None:
    """SET LOCAL what a rebuild wants: the pooled connection keeps its defaults after."""
    workers = max(1, (os.cpu_count() or 1) // 2)
    _try_execute(f"SET LOCAL maintenance_work_mem = '{REBUILD_MEMORY}'")
    _try_execute(f"SET LOCAL max_parallel_maintenance_workers = {workers}")


@dataclass
class _Step:
    """One piece of the work after the COPYs: an extension's fill, a rebuild or an ANALYZE."""

    name: str
    run: Callable[[], object]
    table: str
    # ALTER TABLE ... ADD CONSTRAINT locks its table: no other step on it runs meanwhile.
    exclusive: bool = False
    # The steps it needs done first (a rebuild waits for its table's fill, ANALYZE for both).
    after: frozenset[str] = frozenset()
    # Once it has run: what `run` returned, when it started (seconds after the first step
    # did) and how long it took.
    result: object = None
    started: float = 0.0
    seconds: float = 0.0


def _fill_name(extension: SeedExtension) -> str:
    return f"fill {extension.table}"


def _after_load(
    extensions: Sequence[SeedExtension], rebuilds: list[_Rebuild], tables: Sequence[str]
) -> list[_Step]:
    """Return the steps after the COPYs, each after what it needs, in the order to start them:
    the fills, then the rebuilds costliest first, then one ANALYZE per table."""
    steps = [
        _Step(_fill_name(extension), extension.fill, extension.table) for extension in extensions
    ]
    fills = {step.table: step.name for step in steps}

    def create(rebuild: _Rebuild) -> Callable[[], None]:
        def run() -> None:
            _execute(rebuild.create)
            _execute(f"DELETE FROM {PENDING_TABLE} WHERE name = %s", [rebuild.name])

        return run

    # A constraint locks its table: it goes before the plain indexes of the same size, which
    # would otherwise hold it back while they are built one after another.
    for rebuild in sorted(rebuilds, key=lambda rebuild: (-rebuild.cost, not rebuild.constraint)):
        after = frozenset([fills[rebuild.table]]) if rebuild.table in fills else frozenset()
        steps.append(_Step(rebuild.name, create(rebuild), rebuild.table, rebuild.constraint, after))
    for table in tables:
        after = frozenset(step.name for step in steps if step.table == table)
        steps.append(
            _Step(
                f"analyze {table}",
                lambda table=table: _execute(f"ANALYZE {table}"),
                table,
                after=after,
            )
        )
    return steps


def _run_step(step: _Step, clock: float) -> None:
    started = time.monotonic()
    with transaction.atomic():
        _session_settings()
        _rebuild_settings()
        step.result = step.run()
    step.started, step.seconds = started - clock, time.monotonic() - started


def _step_line(step: _Step) -> str:
    return f"{step.name:<40} {step.seconds:7.1f}s  (from {step.started:.1f}s)"


def _in_sessions(steps: list[_Step], *, sessions: int, progress: Progress) -> dict[str, _Step]:
    """Run the steps, `sessions` at a time, each in a transaction of its own (a savepoint of the
    caller's when sessions is 1: then in list order, which puts each after what it needs), a
    step as soon as those it needs are done and no step on its table locks it out. Return the
    steps by name. Stop at the first failure, naming every step not done."""
    done: dict[str, _Step] = {}
    clock = time.monotonic()
    if sessions <= 1:
        for step in steps:
            _run_step(step, clock)
            done[step.name] = step
            progress.advance(1)
            progress.note(_step_line(step))
        return done
    pending, running, failed = list(steps), [], []
    changed = threading.Condition()

    def runnable(step: _Step) -> bool:
        return step.after <= done.keys() and not any(
            other.table == step.table and (other.exclusive or step.exclusive) for other in running
        )

    def session() -> None:
        try:
            while True:
                with changed:
                    step = None
                    while not failed and pending:
                        step = next((step for step in pending if runnable(step)), None)
                        if step:
                            break
                        changed.wait()
                    if failed or step is None:
                        return
                    pending.remove(step)
                    running.append(step)
                try:
                    _run_step(step, clock)
                except Exception as error:
                    with changed:
                        failed.append((step.name, error))
                        running.remove(step)
                        changed.notify_all()
                    return
                with changed:
                    running.remove(step)
                    done[step.name] = step
                    changed.notify_all()
                progress.advance(1)
                progress.note(_step_line(step))
        finally:
            connection.close()  # this thread's own connection

    with ThreadPoolExecutor(sessions, thread_name_prefix="seed-step") as pool:
        for future in [pool.submit(session) for _ in range(sessions)]:
            future.result()
    if failed:
        name, error = failed[0]
        left = [step.name for step in steps if step.name not in done]
        raise CommandError(
            f"The rows are loaded, but {name} failed ({error}); still missing: "
            f"{', '.join(left)}. Run the seed again with --flush."
        ) from error
    return done


def _chunks(lines: Iterable[str]) -> Iterator[tuple[str, int]]:
    """Group text-format COPY lines into (chunk, row count) of COPY_CHUNK_ROWS rows."""
    buffer: list[str] = []
    for line in lines:
        buffer.append(line)
        if len(buffer) == COPY_CHUNK_ROWS:
            yield "".join(buffer), len(buffer)
            buffer = []
    if buffer:
        yield "".join(buffer), len(buffer)


# --- the generator ------------------------------------------------------------------------------


class _Clock:
    """Format epoch seconds or milliseconds as timestamptz text, by table lookups (fast)."""

    def __init__(self, first_s: int, last_s: int):
        self.first_day = first_s // 86_400
        epoch = date(1970, 1, 1)
        self.days = [
            (epoch + timedelta(days=day)).isoformat() + " "
            for day in range(self.first_day, last_s // 86_400 + 1)
        ]
        self.seconds = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86_400)]
        self.millis = [f".{ms:03d}+00" for ms in range(1000)]

    def format_s(self, t: int) -> str:
        day, second = divmod(t, 86_400)
        return self.days[day - self.first_day] + self.seconds[second] + "+00"


def _mix(a: int, b: int) -> int:
    """Return a well-spread 32-bit hash of two ints (timestamps recomputable from a pair)."""
    h = (a * 0x9E3779B1 + b * 0x85EBCA77 + 0x165667B1) & 0xFFFFFFFF
    h ^= h >> 15
    h = (h * 0x2C1B3C6D) & 0xFFFFFFFF
    return h ^ (h >> 12)


def _zipf_cumulative(n: int, exponent: float) -> list[float]:
    return list(accumulate((rank + 1) ** -exponent for rank in range(n)))


def _lomax_scaled(raw: list[float], total: float, cap: float) -> float:
    """Return the scale s with sum(min(cap, s * r)) == total (bisection; the sum is monotone)."""
    if total <= 0 or not raw:
        return 0.0
    if cap * len(raw) <= total:
        return float("inf")
    low, high = 0.0, 1.0
    while sum(min(cap, high * r) for r in raw) < total:
        high *= 2
    for _ in range(40):
        middle = (low + high) / 2
        if sum(min(cap, middle * r) for r in raw) < total:
            low = middle
        else:
            high = middle
    return high


class _World:
    """The generated world, by user index 0..n-1 and tweet index 0..m-1 (ids come at load)."""

    def __init__(self, *, params: SeedParams, now_s: int):
        self.params = params
        self.n = params.users
        self.m = params.tweets
        self.now_s = now_s
        self.now_ms = now_s * 1000
        self.user_base = 0
        self.tweet_base = 0

    # Users -----------------------------------------------------------------------------------

    def generate_users(self, rng: Random, progress: Progress) -> None:
        n, rand = self.n, rng.random
        low, high = USER_AGE_DAYS[0] * 86_400, USER_AGE_DAYS[1] * 86_400
        self.user_created = array(
            "q", (self.now_s - low - int(rand() * (high - low)) for _ in range(n))
        )
        self.display_names = [
            f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}" for _ in range(n)
        ]
        draws = [rand() for _ in range(n)]
        self.privacy = [
            "private" if r < PRIVATE_SHARE else "protected" if r < PRIVATE_SHARE + PROTECTED_SHARE
            else "public"
            for r in draws
        ]  # fmt: skip
        self.bio_draws = [int(rand() * PHRASES * 2) for _ in range(n)]
        progress.advance(n)

    # Follow graph ----------------------------------------------------------------------------

    def _out_degrees(self, rng: Random) -> list[int]:
        n, budget = self.n, self.n * self.params.avg_follows
        degrees = [0] * n
        heavy_high = min(HEAVY_FOLLOWS[1], n - 1)
        heavy: list[int] = []
        if heavy_high >= HEAVY_FOLLOWS[0] and budget:
            low = HEAVY_FOLLOWS[0]
            mean = (heavy_high - low) / math.log(heavy_high / low) if heavy_high > low else low
            count = min(round(n * HEAVY_FOLLOWER_SHARE), int(budget * HEAVY_BUDGET_SHARE / mean))
            heavy = rng.sample(range(n), count)
            for user in heavy:
                degrees[user] = int(math.exp(rng.uniform(math.log(low), math.log(heavy_high))))
        heavy_set = set(heavy)
        others = [user for user in range(n) if user not in heavy_set]
        raw = [rng.paretovariate(OUT_DEGREE_ALPHA) - 1.0 for _ in others]
        cap = min(MAX_NORMAL_FOLLOWS, n - 1)
        scale = _lomax_scaled(raw, budget - sum(degrees), cap)
        rand = rng.random
        for user, r in zip(others, raw, strict=True):
            degrees[user] = cap if scale == float("inf") else min(cap, int(scale * r + rand()))
        return degrees

    def generate_graph(self, rng: Random, progress: Progress) -> None:
        n = self.n
        degrees = self._out_degrees(rng)
        # popularity[rank] is a user index: the Zipf head lands on random ids.
        popularity = list(range(n))
        rng.shuffle(popularity)
        cumulative = _zipf_cumulative(n, ZIPF_EXPONENT)
        following: list[array] = [array("i")] * n
        followers: list[list[int]] = [[] for _ in range(n)]
        rand, choices, sample = rng.random, rng.choices, rng.sample
        for user in range(n):
            degree = degrees[user]
            if not degree:
                continue
            if degree * 2 >= n - 1:
                chosen = set(sample(range(n - 1), degree))
                # Skip over the user's own index: indices >= user stand for the next one.
                chosen = {v + 1 if v >= user else v for v in chosen}
            else:
                chosen = set()
                rounds = 0
                while len(chosen) < degree:
                    missing = degree - len(chosen)
                    rounds += 1
                    if rounds > 20:  # a tiny world saturated by the Zipf head: fill uniformly
                        rest = [v for v in range(n) if v != user and v not in chosen]
                        chosen.update(sample(rest, missing))
                        break
                    zipf = int(missing * ZIPF_FOLLOW_SHARE + rand())
                    chosen.update(choices(popularity, cum_weights=cumulative, k=zipf))
                    chosen.update([int(rand() * n) for _ in range(missing - zipf)])
                    chosen.discard(user)
            row = array("i", sorted(chosen))
            following[user] = row
            for followee in row:
                followers[followee].append(user)
            progress.advance(degree)
        self.following = following
        self.followers = followers
        self.followers_count = [len(f) for f in followers]
        self.following_count = [len(f) for f in following]

        by_followers = sorted(range(n), key=self.followers_count.__getitem__, reverse=True)
        figures = by_followers[: max(1, round(n * PUBLIC_FIGURE_SHARE))]
        for user in figures:
            self.privacy[user] = "public"
        self.hot_authors = set(figures)
        verified = min(VERIFIED_TOP, max(1, n // VERIFIED_PER_USERS))
        self.verified = set(by_followers[:verified])
        self.public = bytearray(p == "public" for p in self.privacy)
        self._generate_requests(rng)

    def _generate_requests(self, rng: Random) -> None:
        """Leave a few pending follow requests to protected and private accounts."""
        n, rand = self.n, rng.random
        requests: list[tuple[int, int, int]] = []
        for target in range(n):
            if self.public[target] or rand() >= REQUESTED_SHARE or n < 3:
                continue
            existing = set(self.followers[target])
            requesters = set()
            for _ in range(rng.randint(1, 3)):
                requester = int(rand() * n)
                if requester != target and requester not in existing:
                    requesters.add(requester)
            for requester in sorted(requesters):
                low = max(
                    self.user_created[target],
                    self.user_created[requester],
                    self.now_s - REQUEST_DAYS * 86_400,
                )
                requests.append((target, requester, low + int(rand() * (self.now_s - low))))
        self.requests = requests

    # Tweets ----------------------------------------------------------------------------------

    def generate_tweets(self, rng: Random, progress: Progress) -> None:
        """Draw every tweet's author, time, kind and target, and count on the way."""
        n, m = self.n, self.m
        rand, log, choices = rng.random, math.log, rng.choices
        weights = [rng.paretovariate(ACTIVITY_ALPHA) - 1.0 for _ in range(n)]
        mean = sum(weights) / n or 1.0
        cumulative = list(accumulate(min(w, ACTIVITY_CAP * mean) for w in weights))
        span_ms = TWEET_DAYS * 86_400_000
        start_ms = self.now_ms - span_ms
        slot = span_ms / m if m else 0

        created = array("q", bytes(8 * m))
        author = array("i", bytes(4 * m))
        target = array("i", [-1]) * m
        kind = bytearray(m)
        reply_count = array("i", bytes(4 * m))
        retweet_count = array("i", bytes(4 * m))
        tweets_count = [0] * n
        public, hot_authors = self.public, self.hot_authors
        pool = array("i")  # public tweets that may be replied to, retweeted, quoted, liked
        hot_pool = array("i")  # the same, by public figures
        retweeted: set[int] = set()
        reply_cut = REPLY_SHARE
        retweet_cut = reply_cut + RETWEET_SHARE
        quote_cut = retweet_cut + QUOTE_SHARE
        batch = COPY_CHUNK_ROWS
        for first in range(0, m, batch):
            authors = choices(range(n), cum_weights=cumulative, k=min(batch, m - first))
            for i, user in enumerate(authors, first):
                # Monotone in i: one random instant per slot, so ids increase with created_at.
                created[i] = start_ms + int((i + rand()) * slot)
                author[i] = user
                tweets_count[user] += 1
                r = rand()
                if r < quote_cut and pool:
                    source = hot_pool if hot_pool and rand() < HOT_TARGET_SHARE else pool
                    size = len(source)
                    back = int(-(size * RECENT_WINDOW_SHARE + 10) * log(1.0 - rand()))
                    t = source[size - 1 - back] if back < size else source[int(rand() * size)]
                    if r < reply_cut:
                        kind[i] = KIND_REPLY
                        target[i] = t
                        reply_count[t] += 1
                    elif r < retweet_cut:
                        key = user * m + t
                        if author[t] == user or key in retweeted:
                            kind[i] = KIND_ORIGINAL
                        else:
                            retweeted.add(key)
                            kind[i] = KIND_RETWEET
                            target[i] = t
                            retweet_count[t] += 1
                            continue  # a plain retweet is never a target itself
                    else:
                        kind[i] = KIND_QUOTE
                        target[i] = t
                if public[user]:
                    pool.append(i)
                    if user in hot_authors:
                        hot_pool.append(i)
            progress.advance(len(authors))
        self.created, self.author, self.target, self.kind = created, author, target, kind
        self.reply_count, self.retweet_count = reply_count, retweet_count
        self.tweets_count = tweets_count
        self.pool, self.hot_pool = pool, hot_pool

    def generate_likes(self, rng: Random, total: int, progress: Progress) -> None:
        """Draw `total` likes of public tweets (fewer only if the world is too small)."""
        n, m, rand = self.n, self.m, rng.random
        pool, hot_pool = self.pool, self.hot_pool
        like_count = array("i", bytes(4 * m))
        likes: set[int] = set()
        total = min(total, n * len(pool))
        attempts = 0
        while len(likes) < total and attempts < 4 * total:
            attempts += 1
            source = hot_pool if hot_pool and rand() < HOT_TARGET_SHARE else pool
            t = source[int(rand() * len(source))]
            key = int(rand() * n) * m + t
            if key not in likes:
                likes.add(key)
                like_count[t] += 1
                if not len(likes) % COPY_CHUNK_ROWS:
                    progress.advance(COPY_CHUNK_ROWS)
        progress.advance(len(likes) % COPY_CHUNK_ROWS)
        self.likes = likes
        self.like_count = like_count

    # Summary and rows ------------------------------------------------------------------------

    def summary(self) -> SeedSummary:
        kinds = self.kind
        return SeedSummary(
            users=self.n,
            follow_edges=sum(self.following_count),
            follow_requests=len(self.requests),
            tweets=self.m,
            replies=kinds.count(KIND_REPLY),
            retweets=kinds.count(KIND_RETWEET),
            quotes=kinds.count(KIND_QUOTE),
            likes=len(self.likes),
            celebrities=sum(1 for c in self.followers_count if c >= CELEBRITY_FOLLOWERS),
            heavy_followers=sum(1 for c in self.following_count if c >= HEAVY_FOLLOWER_FOLLOWS),
            verified=len(self.verified),
            protected=self.privacy.count("protected"),
            private=self.privacy.count("private"),
            max_followers=max(self.followers_count, default=0),
            max_following=max(self.following_count, default=0),
        )

    def tables(self, content_rng: Random) -> Iterator[tuple[str, tuple[str, ...], int, Iterator]]:
        """Yield (table, columns, row count, text-format rows) in a foreign-key-safe order."""
        self.clock = _Clock(self.now_s - (USER_AGE_DAYS[1] + 1) * 86_400, self.now_s + 86_400)
        self.user_ids = [str(self.user_base + 1 + i) for i in range(self.n)]
        width = max(6, len(str(self.n)))
        self.usernames = [f"{SEED_USERNAME_PREFIX}{i + 1:0{width}d}" for i in range(self.n)]
        self.vocabulary = _Vocabulary(content_rng)
        edges = sum(self.following_count)
        yield (
            "users",
            (
                "id", "password", "last_login", "is_superuser", "username", "email",
                "display_name", "bio", "profile_image_url", "privacy", "verified", "is_active",
                "is_staff", "created_at", "updated_at", "followers_count", "following_count",
                "tweets_count",
            ),
            self.n,
            _chunks(self._user_rows()),
        )  # fmt: skip
        yield (
            "user_follows",
            ("follower_id", "following_id", "created_at"),
            edges,
            self._edges(self.following, reverse=False),
        )
        yield (
            "user_followers",
            ("user_id", "follower_id", "created_at"),
            edges,
            self._edges(self.followers, reverse=True),
        )
        yield (
            "follow_requests",
            ("target_id", "requester_id", "created_at"),
            len(self.requests),
            _chunks(self._request_rows()),
        )
        yield (
            "tweets",
            # From the model, as retweet_create's INSERT: a new column the rows below do not
            # write fails the COPY ("missing data for column") instead of being left out.
            tuple(tweet_columns()),
            self.m,
            _chunks(self._tweet_rows(content_rng)),
        )
        yield (
            "likes",
            ("user_id", "tweet_id", "created_at"),
            len(self.likes),
            _chunks(self._like_rows()),
        )

    def _user_rows(self) -> Iterator[str]:
        password = make_password(SEED_PASSWORD)
        fmt, now = self.clock.format_s, self.clock.format_s(self.now_s)
        phrases = self.vocabulary.phrases
        for i in range(self.n):
            name = self.usernames[i]
            bio_draw = self.bio_draws[i]
            bio = phrases[bio_draw] if bio_draw < len(phrases) else ""
            yield (
                f"{self.user_ids[i]}\t{password}\t{NULL}\tf\t{name}\t{name}@example.com\t"
                f"{self.display_names[i]}\t{bio}\t\t{self.privacy[i]}\t"
                f"{'t' if i in self.verified else 'f'}\tt\tf\t{fmt(self.user_created[i])}\t{now}\t"
                f"{self.followers_count[i]}\t{self.following_count[i]}\t{self.tweets_count[i]}\n"
            )

    def _edges(self, adjacency: list, *, reverse: bool) -> Iterator[tuple[str, int]]:
        """Yield one table of the graph in chunks; both give an edge the same created_at."""
        ids, created, now = self.user_ids, self.user_created, self.now_s
        days, seconds, first_day = self.clock.days, self.clock.seconds, self.clock.first_day
        mix = _mix
        lines: list[str] = []
        for owner, others in enumerate(adjacency):
            if not others:
                continue
            prefix = ids[owner] + "\t"
            owner_created = created[owner]
            for other in others:
                follower, followee = (other, owner) if reverse else (owner, other)
                low = max(owner_created, created[other])
                day, second = divmod(low + (mix(follower, followee) * (now - low) >> 32), 86_400)
                lines.append(f"{prefix}{ids[other]}\t{days[day - first_day]}{seconds[second]}+00\n")
            if len(lines) >= COPY_CHUNK_ROWS:
                yield "".join(lines), len(lines)
                lines = []
        if lines:
            yield "".join(lines), len(lines)

    def _request_rows(self) -> Iterator[str]:
        ids, fmt = self.user_ids, self.clock.format_s
        for target, requester, created in self.requests:
            yield f"{ids[target]}\t{ids[requester]}\t{fmt(created)}\n"

    def _tweet_rows(self, rng: Random) -> Iterator[str]:
        """Yield the tweets in tweet_columns() order, writing their content on the way."""
        n, base = self.n, self.tweet_base + 1
        rand = rng.random
        ids, usernames, user_ids = self.user_ids, self.usernames, self.user_ids
        author, target, kind, created = self.author, self.target, self.kind, self.created
        likes, retweets, replies = self.like_count, self.retweet_count, self.reply_count
        days, seconds, millis = self.clock.days, self.clock.seconds, self.clock.millis
        first_day = self.clock.first_day
        vocabulary = self.vocabulary
        phrases, phrase_count = vocabulary.phrases, len(vocabulary.phrases)
        tags, tag_texts, tag_cumulative = vocabulary.tags, vocabulary.texts, vocabulary.cumulative
        tag_total = tag_cumulative[-1]
        popular = self._mention_popularity(rng)
        for i in range(self.m):
            user = author[i]
            t, ms = divmod(created[i], 1000)
            day, second = divmod(t, 86_400)
            stamp = days[day - first_day] + seconds[second] + millis[ms]
            k = kind[i]
            if k == KIND_RETWEET:
                yield (
                    f"{base + i}\t{ids[user]}\t\t{NULL}\t{base + target[i]}\t{{}}\t{{}}\t{{}}\t"
                    f"{likes[i]}\t{retweets[i]}\t{replies[i]}\tf\t{stamp}\t[]\tf\n"
                )
                continue
            text = phrases[int(rand() * phrase_count)]
            extra = phrases[int(rand() * phrase_count)] if rand() < 0.5 else ""
            mentioned: list[int] = []
            reply_to = original = NULL
            if k == KIND_REPLY:
                replied = target[i]
                reply_to = base + replied
                if author[replied] != user:
                    mentioned.append(author[replied])
            elif k == KIND_QUOTE:
                original = base + target[i]
            if rand() < MENTION_SHARE:
                other = popular[int(rand() * len(popular))] if rand() < 0.5 else int(rand() * n)
                if other not in mentioned:
                    mentioned.append(other)
            count = HASHTAG_COUNTS[int(rand() * 100)]
            picked: list[int] = []
            for _ in range(count):
                tag = bisect(tag_cumulative, rand() * tag_total)
                if tag not in picked:
                    picked.append(tag)
            # A reply opens with the @author it answers; other mentions and tags close it.
            lead = 1 if k == KIND_REPLY and mentioned else 0
            parts = ["@" + usernames[u] for u in mentioned[:lead]]
            parts.append(text)
            parts.extend(["@" + usernames[u] for u in mentioned[lead:]])
            parts.extend([tag_texts[tag] for tag in picked])
            content = " ".join(parts)
            if extra and len(content) + len(extra) < MAX_CONTENT_LENGTH:
                parts.insert(lead + 1, extra)
                content = " ".join(parts)
            mention_ids = "{" + ",".join([user_ids[u] for u in mentioned]) + "}"
            hashtags = "{" + ",".join([tags[tag] for tag in picked]) + "}"
            media = (
                f"{{https://media.example.com/seed/{base + i}.jpg}}"
                if rand() < MEDIA_SHARE
                else "{}"
            )
            yield (
                f"{base + i}\t{ids[user]}\t{content}\t{reply_to}\t{original}\t{media}\t{hashtags}\t"
                f"{mention_ids}\t{likes[i]}\t{retweets[i]}\t{replies[i]}\tf\t{stamp}\t[]\tf\n"
            )

    def _mention_popularity(self, rng: Random) -> list[int]:
        """Return users weighted by followers (a sample), so popular accounts get mentioned."""
        cumulative = list(accumulate(c + 1 for c in self.followers_count))
        return rng.choices(range(self.n), cum_weights=cumulative, k=min(100_000, 10 * self.n))

    def _like_rows(self) -> Iterator[str]:
        ids, m, base = self.user_ids, self.m, self.tweet_base + 1
        created, now_ms = self.created, self.now_ms
        days, seconds, millis = self.clock.days, self.clock.seconds, self.clock.millis
        first_day = self.clock.first_day
        mix = _mix
        for key in sorted(self.likes):
            user, t = divmod(key, m)
            low = created[t]
            when = low + (mix(user, t) * min(LIKE_DELAY_MAX_MS, now_ms - low) >> 32)
            s, ms = divmod(when, 1000)
            day, second = divmod(s, 86_400)
            yield f"{ids[user]}\t{base + t}\t{days[day - first_day]}{seconds[second]}{millis[ms]}\n"


class _Vocabulary:
    """The words, phrases and ~1,000 hashtags tweets are written from."""

    def __init__(self, rng: Random):
        words = WORDS
        word_cumulative = _zipf_cumulative(len(words), 1.0)
        phrases = []
        while len(phrases) < PHRASES:
            size = rng.randint(3, 14)
            phrase = " ".join(rng.choices(words, cum_weights=word_cumulative, k=size))
            phrase = (
                phrase[:PHRASE_MAX_CHARS].rsplit(" ", 1)[0]
                if len(phrase) > PHRASE_MAX_CHARS
                else phrase
            )
            phrases.append(phrase[0].upper() + phrase[1:])
        self.phrases = phrases
        tags: list[str] = []
        texts: list[str] = []
        seen: set[str] = set()
        while len(tags) < HASHTAG_VOCABULARY:
            first, second = rng.choice(words), rng.choice(words)
            shape = rng.random()
            if shape < 0.3:
                text = first
            elif shape < 0.8:
                text = first + second.capitalize()
            else:
                text = f"{first}{rng.randint(1, 99)}"
            if text.lower() in seen:
                continue
            seen.add(text.lower())
            tags.append(text.lower())
            texts.append("#" + text)
        self.tags = tags
        self.texts = texts
        self.cumulative = _zipf_cumulative(len(tags), 1.0)
