"""The benchmark tooling on a fresh machine, without running a benchmark.

bench/stack.py must run the app server and manage.py with the interpreter that runs it and
the console scripts of that interpreter's environment (never a `.venv` it assumes), and say
what to do when PgBouncer is missing; bench/load.py's floor (GET /readyz) must reach every
report; bench/seed_checksum.py must see every change to a seeded table but the columns it
skips by design.
"""

import json
import os
import subprocess
import sys
import venv
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"
sys.path.insert(0, str(BENCH))

import load  # noqa: E402
import seed_checksum  # noqa: E402
import stack  # noqa: E402

PROBE = """
import sys
sys.path.insert(0, {bench!r})
import stack
print(stack.PYTHON)
print(stack.scripts_dir())
print(stack.server_command("gunicorn", port=8640, workers=1, threads=1)[0])
print(stack.executable("granian"))
"""


def make_environment(where: Path, scripts: tuple[str, ...]) -> Path:
    """Create a bare virtualenv at `where` holding fake console scripts; return its python."""
    venv.EnvBuilder(with_pip=False, symlinks=True).create(where)
    for name in scripts:
        script = where / "bin" / name
        script.write_text("#!/bin/sh\nexit 0\n")
        script.chmod(0o755)
    return where / "bin" / "python"


def probe(python: Path, cwd: Path) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"}
    return subprocess.run(
        [str(python), "-c", PROBE.format(bench=str(BENCH))],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_stack_runs_the_interpreters_own_environment_not_a_dot_venv(tmp_path):
    python = make_environment(tmp_path / "elsewhere", ("gunicorn", "granian"))

    result = probe(python, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    interpreter, scripts, gunicorn, granian = result.stdout.split()
    bin_dir = tmp_path / "elsewhere" / "bin"
    assert Path(interpreter) == python
    assert Path(scripts) == bin_dir
    assert Path(gunicorn) == bin_dir / "gunicorn"
    assert Path(granian) == bin_dir / "granian"
    assert ".venv" not in result.stdout


def test_stack_names_the_environment_a_server_is_missing_from(tmp_path):
    python = make_environment(tmp_path / "bare", ())

    result = probe(python, cwd=tmp_path)

    assert result.returncode != 0
    assert "gunicorn is not installed in the environment of" in result.stderr
    assert str(tmp_path / "bare" / "bin") in result.stderr


def test_the_running_interpreter_finds_its_own_servers():
    assert Path(sys.executable) == stack.PYTHON
    assert stack.executable("gunicorn").parent == stack.scripts_dir()
    assert stack.executable("granian").parent == stack.scripts_dir()


def test_a_missing_pgbouncer_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setattr(stack, "PGBOUNCER", str(tmp_path / "no-pgbouncer"))

    with pytest.raises(FileNotFoundError, match="make pgbouncer"), stack.pgbouncer(port=8649):
        pass


def test_the_stack_pools_in_session_mode_with_prepared_statements_as_deployed(monkeypatch):
    monkeypatch.delenv("DB_PREPARED_STATEMENTS", raising=False)
    deployed = (ROOT / "deploy" / "pgbouncer" / "pgbouncer.ini").read_text()

    assert "pool_mode = session" in deployed
    assert stack.pool_mode_env("session") == {"DB_PREPARED_STATEMENTS": "on"}
    # Transaction pooling (PgBouncer 1.18) cannot carry them: the app runs without.
    assert stack.pool_mode_env("transaction") == {"DB_PREPARED_STATEMENTS": "off"}
    assert stack.pool_mode_env("session", {"DB_PREPARED_STATEMENTS": "off"}) == {
        "DB_PREPARED_STATEMENTS": "off"
    }


@pytest.mark.django_db(transaction=True)
def test_prepared_statements_survive_between_transactions_through_session_pooling():
    """A real PgBouncer in the stack's session mode: a statement psycopg prepared in one
    transaction is still there, on the same server connection, in the next ones."""
    import psycopg

    database = connection.settings_dict["NAME"]
    with stack.pgbouncer(port=8652, pool_size=2, pool_mode="session"):
        url = f"postgresql://postgres@127.0.0.1:8652/{database}"
        with psycopg.connect(url, prepare_threshold=0) as conn:
            for _ in range(3):
                with conn.transaction():
                    assert conn.execute("SELECT count(*) FROM users WHERE id > %s", [0]).fetchone()
            prepared = conn.execute(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                ["%FROM users WHERE id > $1%"],
            ).fetchone()[0]

    assert prepared == 1


def test_make_installs_pgbouncer_only_when_missing():
    dry_run = subprocess.run(
        ["make", "-n", "pgbouncer", "bench-load", "BENCH_PYTHON=/opt/env/bin/python"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    assert "test -x /usr/sbin/pgbouncer ||" in dry_run
    assert "apt-get install -y -q --no-install-recommends pgbouncer" in dry_run
    assert "/opt/env/bin/python bench/load.py --stack granian" in dry_run
    assert ".venv" not in dry_run  # another environment: nothing creates a .venv


# The floor


def records(op: str, count: int, ms: float) -> list:
    return [load.Record(started=i / count, op=op, status=200, ms=ms) for i in range(count)]


def test_the_floor_is_a_one_query_read_without_a_token():
    method, path, body = load.request_for(load.FLOOR_OP, None, None, [0])

    assert (method, path, body) == ("GET", "/readyz", None)


@pytest.mark.django_db
def test_readyz_is_one_query_and_no_session(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/readyz")

    assert response.status_code == 200
    assert "sessionid" not in response.cookies


def test_every_report_gives_the_floor_and_the_mix_fraction(tmp_path, capsys):
    common = {"duration": 10, "post_rate": 0, "generator_cpu_s": 1.0, "machine_busy": 0.5}
    runs = []
    for concurrency, floor_rps, mix_rps in ((50, 1000, 200), (1000, 800, 100)):
        mix = load.summarise(records("home", mix_rps * 10, 40.0), concurrency=concurrency, **common)
        floor = load.summarise(
            records(load.FLOOR_OP, floor_rps * 10, 5.0), concurrency=concurrency, **common
        )
        mix["floor"] = load.floor_summary(floor)
        mix["floor_fraction"] = load.floor_fraction(mix["rps"], floor["rps"])
        load.print_floor(mix)
        runs.append(mix)

    out = capsys.readouterr().out
    assert "c=   50  floor /readyz: rps=1000.0" in out
    assert "mix = 20.0% of the floor's rps" in out
    assert "mix = 12.5% of the floor's rps" in out
    assert runs[0]["floor"]["rps"] == 1000.0
    assert runs[1]["floor_fraction"] == 0.125
    assert "floor" in load.summarise(records(load.FLOOR_OP, 5, 1.0), concurrency=1, **common)["ops"]
    report = json.loads(json.dumps({"runs": runs}))
    assert [run["floor"]["rps"] for run in report["runs"]] == [1000.0, 800.0]
    picture = tmp_path / "load.png"
    load.plot(runs, picture, "test")
    assert picture.stat().st_size > 10_000


def test_no_floor_served_gives_no_fraction():
    assert load.floor_fraction(100.0, 0.0) is None


# Seed checksums


NOW = "2026-01-01T12:00:00+00:00"


def database_checksums() -> dict:
    db = settings.DATABASES["default"]
    return seed_checksum.checksums(
        connection.settings_dict["NAME"],
        host=db["HOST"] or "127.0.0.1",
        port=int(db["PORT"] or 5432),
        user=db["USER"] or "postgres",
    )


@pytest.mark.django_db(transaction=True)
def test_checksums_see_every_change_but_the_columns_skipped_by_design():
    call_command(
        "seed_social",
        "--users=200",
        "--avg-follows=10",
        "--tweets=1000",
        "--seed=3",
        f"--now={NOW}",
        "--force",
        stdout=StringIO(),
        stderr=StringIO(),
    )
    first = database_checksums()
    again = database_checksums()
    assert all(first[table][:2] == again[table][:2] for table in first)
    assert first["tweets"][0] == 1000 and first["users"][0] == 200

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE users SET password = 'another salt' WHERE id = (SELECT min(id) FROM users)"
        )
        cursor.execute("UPDATE home_timelines SET built_at = built_at + interval '1 hour'")
    unchanged = database_checksums()
    assert unchanged["users"][:2] == first["users"][:2]
    assert unchanged["home_timelines"][:2] == first["home_timelines"][:2]

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE tweets SET like_count = like_count + 1 WHERE id = (SELECT max(id) FROM tweets)"
        )
        cursor.execute(
            "UPDATE users SET display_name = 'Someone Else' WHERE id = (SELECT min(id) FROM users)"
        )
    changed = database_checksums()
    assert changed["tweets"][1] != first["tweets"][1]
    assert changed["users"][1] != first["users"][1]
    assert changed["likes"][:2] == first["likes"][:2]
