"""Checksums of what `manage.py seed_social` wrote: one MD5 per table over its ordered rows.

    python bench/seed_checksum.py --database tc_seed_d --compare tc_seed_base_d

streams `COPY (SELECT <columns> FROM <table> ORDER BY <primary key>) TO STDOUT` of every
table the seed fills (the six loaded tables, the notifications and the materialised home
timelines) through MD5, so two databases seeded with the same `--seed` and `--now` can be
proven to hold the same data whatever code seeded them (a change to the seeding's speed must
not change its output). Columns that cannot match by design are left out, and only those:

- users.password: a salted hash (`make_password`), a new salt every run;
- home_timelines.built_at: `now()` when the timelines were materialised.

Every other column is compared, in the table's column order. With `--compare` the two
databases are read at once and the exit status is 1 when any table differs.
"""

import argparse
import hashlib
import sys
import threading
import time

import psycopg

TABLES = (
    "users",
    "user_follows",
    "user_followers",
    "follow_requests",
    "tweets",
    "likes",
    "notifications",
    "home_timeline",
    "home_timelines",
    "timeline_pulled_authors",
)
# Columns differing between two runs of the same seed by design (see the docstring).
SKIPPED = {"users": {"password"}, "home_timelines": {"built_at"}}


def table_query(cursor, table: str) -> str | None:
    """Return the ordered SELECT of `table` (None when the table does not exist)."""
    cursor.execute("SELECT to_regclass(%s)", [table])
    if cursor.fetchone()[0] is None:
        return None
    cursor.execute(
        """
        SELECT a.attname FROM pg_attribute a
        WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum
        """,
        [table],
    )
    columns = [row[0] for row in cursor.fetchall() if row[0] not in SKIPPED.get(table, ())]
    cursor.execute(
        """
        SELECT a.attname FROM pg_index i
        JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, position) ON true
        JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
        WHERE i.indrelid = %s::regclass AND i.indisprimary
        ORDER BY k.position
        """,
        [table],
    )
    # No primary key: every column orders the rows (ties are then identical rows).
    order = [row[0] for row in cursor.fetchall()] or columns
    quoted = ", ".join(f'"{column}"' for column in columns)
    ordering = ", ".join(f'"{column}"' for column in order)
    return f"SELECT {quoted} FROM {table} ORDER BY {ordering}"


def checksums(database: str, *, host: str, port: int, user: str) -> dict[str, tuple]:
    """Return {table: (rows, md5 of the text-format rows, seconds)} for one database."""
    result = {}
    with psycopg.connect(host=host, port=port, user=user, dbname=database) as conn:
        conn.read_only = True
        with conn.cursor() as cursor:
            # One snapshot for every table; timestamps print the same whatever the session.
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("SET LOCAL timezone = 'UTC'")
            cursor.execute("SET LOCAL extra_float_digits = 3")
            for table in TABLES:
                query = table_query(cursor, table)
                if query is None:
                    result[table] = (None, "absent", 0.0)
                    continue
                started = time.monotonic()
                digest, rows = hashlib.md5(usedforsecurity=False), 0
                with cursor.copy(f"COPY ({query}) TO STDOUT") as copy:
                    for block in copy:
                        digest.update(block)
                        rows += bytes(block).count(b"\n")
                result[table] = (rows, digest.hexdigest(), time.monotonic() - started)
            cursor.execute("COMMIT")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--compare", metavar="DATABASE", help="a second database to compare")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5432)
    parser.add_argument("--user", default="postgres")
    args = parser.parse_args()
    databases = [args.database] + ([args.compare] if args.compare else [])
    results: dict[str, dict] = {}

    def run(database: str) -> None:
        results[database] = checksums(database, host=args.host, port=args.port, user=args.user)

    threads = [threading.Thread(target=run, args=[database]) for database in databases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if set(results) != set(databases):
        sys.exit("a database could not be read (see above)")
    differ = False
    for table in TABLES:
        line = f"{table:<24}"
        for database in databases:
            rows, md5, seconds = results[database][table]
            line += f"  {database}: {rows if rows is not None else '-':>11} rows {md5} "
            line += f"({seconds:.1f}s)"
        if args.compare:
            same = results[databases[0]][table][:2] == results[databases[1]][table][:2]
            differ |= not same
            line += "  same" if same else "  DIFFERENT"
        skipped = SKIPPED.get(table)
        if skipped:
            line += f"  (without {', '.join(sorted(skipped))})"
        print(line, flush=True)
    if args.compare:
        print("all tables equal" if not differ else "tables differ", flush=True)
        sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
