"""The local production stack for load runs: PgBouncer on loopback plus the app server.

    python bench/stack.py --database tc_seed --server gunicorn --for 600

starts PgBouncer (Debian's /usr/sbin/pgbouncer, which `make pgbouncer` installs; transaction
pooling, a generated ini and userlist in a temporary folder, run as the `postgres` user
because it refuses root) on
127.0.0.1:6432 in front of 127.0.0.1:5432, then the app server with production settings
(DEBUG off, API_THROTTLING=off, throttle cache in Redis when REDIS_URL is set) on
127.0.0.1:8000 talking to PgBouncer, and optionally one `db_worker` for the fan-out jobs
(talking to PostgreSQL directly). It stops all of them on exit, Ctrl-C or `--for` seconds.
bench/load.py and bench/fault_drill.py use the same context managers.

Run it with the project's interpreter, wherever its environment lives (`.venv`, a
virtualenv elsewhere, a container's system Python): the app server, `manage.py` and the job
worker run under the same interpreter (sys.executable), and gunicorn and granian are taken
from the folder of its scripts.
"""

import argparse
import contextlib
import os
import pwd
import resource
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PGBOUNCER = "/usr/sbin/pgbouncer"
PGBOUNCER_MISSING = (
    f"{PGBOUNCER} is missing: the load runs put Debian's PgBouncer in front of PostgreSQL. "
    "Install it with `make pgbouncer` (apt-get install --no-install-recommends pgbouncer)."
)


def interpreter() -> Path:
    """Return the Python running this script, unresolved: a venv's python is a symlink and
    must stay one (resolving it would leave the virtual environment)."""
    return Path(sys.executable or shutil.which("python3") or "python3")


def scripts_dir() -> Path:
    """Return the console-scripts folder (gunicorn, granian) of the running interpreter's
    environment: <venv>/bin in a virtualenv, the installation's scripts folder otherwise."""
    return Path(sysconfig.get_path("scripts"))


def executable(name: str) -> Path:
    """Return the console script `name` of the running interpreter's environment; fail
    clearly when it is not installed there (never another environment's copy)."""
    for folder in dict.fromkeys((scripts_dir(), interpreter().parent)):
        candidate = folder / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise FileNotFoundError(
        f"{name} is not installed in the environment of {interpreter()} (looked in "
        f"{scripts_dir()}); install requirements.txt into that environment"
    )


PYTHON = interpreter()
BENCH_SECRET_KEY = "bench-only-secret-key-not-for-production-0123456789"


def raise_fd_limit(wanted: int = 20000) -> int:
    """Raise this process's open-file limit (children inherit it); return the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def port_free(host: str, port: int) -> bool:
    """Return whether nothing accepts connections on host:port."""
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) != 0


def require_free(port: int) -> None:
    """Refuse to start a server on a port something else already serves."""
    if not port_free("127.0.0.1", port):
        raise RuntimeError(f"127.0.0.1:{port} is already in use; stop what listens there first")


# The children started by the context managers below, by role (read by bench/load.py to
# measure the server's own CPU time).
STARTED: dict[str, subprocess.Popen] = {}


def tree_cpu_seconds(root_pid: int) -> float:
    """Return the user + system CPU seconds of a process and all its living descendants."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        times[int(entry)] = (int(fields[11]) + int(fields[12])) / tick
    total, todo = 0.0, [root_pid]
    while todo:
        pid = todo.pop()
        total += times.get(pid, 0.0)
        todo.extend(child for child, parent in parents.items() if parent == pid)
    return total


def wait_for_port(host: str, port: int, *, timeout: float = 30.0, proc=None) -> None:
    """Wait until something accepts TCP connections on host:port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode} while starting")
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex((host, port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout} s")


def stop(proc: subprocess.Popen, *, timeout: float = 15.0) -> None:
    """Stop a child we started: SIGTERM, then SIGKILL if it lingers."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _as_postgres() -> dict:
    """Popen arguments that run a child as the `postgres` system user when we are root."""
    if os.geteuid() != 0:
        return {}
    entry = pwd.getpwnam("postgres")
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def pgbouncer_ini(
    workdir: Path,
    *,
    port: int,
    server_port: int,
    pool_size: int,
    max_client_conn: int,
    query_wait_timeout: int,
) -> str:
    """Return the ini of a loopback PgBouncer in transaction mode in front of 127.0.0.1."""
    return f"""[databases]
* = host=127.0.0.1 port={server_port} user=postgres

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir = {workdir}
auth_type = trust
auth_file = {workdir}/userlist.txt
admin_users = postgres
pool_mode = transaction
max_client_conn = {max_client_conn}
default_pool_size = {pool_size}
min_pool_size = 0
reserve_pool_size = 0
; Fail fast when PostgreSQL is away: a client waits at most query_wait_timeout for a
; server connection, a connect attempt at most server_connect_timeout, retries every second.
query_wait_timeout = {query_wait_timeout}
server_connect_timeout = 3
server_login_retry = 1
server_lifetime = 3600
server_idle_timeout = 600
ignore_startup_parameters = extra_float_digits
log_connections = 0
log_disconnections = 0
logfile = {workdir}/pgbouncer.log
pidfile = {workdir}/pgbouncer.pid
"""


@contextlib.contextmanager
def pgbouncer(
    *,
    port: int = 6432,
    server_port: int = 5432,
    pool_size: int = 20,
    max_client_conn: int = 2000,
    query_wait_timeout: int = 2,
):
    """Run PgBouncer on 127.0.0.1:`port` for the duration of the block; yield its work dir."""
    raise_fd_limit()
    if not os.access(PGBOUNCER, os.X_OK):
        raise FileNotFoundError(PGBOUNCER_MISSING)
    require_free(port)
    workdir = Path(tempfile.mkdtemp(prefix="tc-pgbouncer-"))
    try:
        (workdir / "userlist.txt").write_text('"postgres" ""\n')
        ini = workdir / "pgbouncer.ini"
        ini.write_text(
            pgbouncer_ini(
                workdir,
                port=port,
                server_port=server_port,
                pool_size=pool_size,
                max_client_conn=max_client_conn,
                query_wait_timeout=query_wait_timeout,
            )
        )
        if os.geteuid() == 0:
            shutil.chown(workdir, "postgres", "postgres")
            for path in workdir.iterdir():
                shutil.chown(path, "postgres", "postgres")
        proc = subprocess.Popen([PGBOUNCER, str(ini)], stdin=subprocess.DEVNULL, **_as_postgres())
        STARTED["pgbouncer"] = proc
        try:
            wait_for_port("127.0.0.1", port, proc=proc)
            yield workdir
        finally:
            stop(proc)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def app_environment(*, database_url: str, threads: int, extra: dict | None = None) -> dict:
    """Return the environment of the app server: production settings, bench defaults."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="twitterclone.settings.production",
        DATABASE_URL=database_url,
        DJANGO_SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY", BENCH_SECRET_KEY),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_COOKIES="false",
        API_THROTTLING="off",
        TASKS_BACKEND="database",
        LOG_LEVEL="WARNING",
        # One pooled connection per request thread, all opened at start.
        DB_POOL_MIN_SIZE=str(threads),
        DB_POOL_MAX_SIZE=str(threads),
        DB_POOL_TIMEOUT=os.environ.get("DB_POOL_TIMEOUT", "3"),
        WEB_THREADS=str(threads),
    )
    env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    env.update(extra or {})
    return env


def server_command(server: str, *, port: int, workers: int, threads: int) -> list[str]:
    """Return the command line of `server` (gunicorn or granian) with production settings."""
    if server == "gunicorn":
        return [
            str(executable("gunicorn")),
            "--config",
            str(ROOT / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "twitterclone.wsgi:application",
        ]
    if server == "granian":
        # The production command itself; its knobs come from the environment (app_server),
        # and `granian` is found on PATH, which app_server starts with this environment's.
        executable("granian")  # fail here, clearly, rather than in serve.sh
        return ["sh", str(ROOT / "deploy" / "serve.sh")]
    raise ValueError(f"unknown server {server!r}")


def collectstatic(env: dict) -> None:
    """Collect static files once: the production storage needs their manifest."""
    if not (ROOT / "staticfiles" / "staticfiles.json").exists():
        subprocess.run(
            [str(PYTHON), "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
        )


@contextlib.contextmanager
def app_server(
    *,
    server: str = "granian",
    port: int = 8000,
    database_url: str,
    workers: int = 2,
    threads: int = 4,
    extra_env: dict | None = None,
):
    """Run the app server on 127.0.0.1:`port` for the block; yield the Popen."""
    raise_fd_limit()
    require_free(port)
    env = app_environment(database_url=database_url, threads=threads, extra=extra_env)
    collectstatic(env)
    command = server_command(server, port=port, workers=workers, threads=threads)
    env.update(
        PATH=f"{scripts_dir()}{os.pathsep}{env.get('PATH', '')}",
        WEB_HOST="127.0.0.1",
        WEB_PORT=str(port),
        WEB_WORKERS=str(workers),
    )
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL)
    STARTED["app"] = proc
    try:
        wait_for_port("127.0.0.1", port, proc=proc, timeout=60)
        yield proc
    finally:
        stop(proc, timeout=30)


@contextlib.contextmanager
def db_worker(*, database_url: str):
    """Run one `manage.py db_worker` (fan-out jobs) for the block, straight to PostgreSQL."""
    env = app_environment(database_url=database_url, threads=2)
    # One line per job is noise next to the load numbers; it goes to a log file instead.
    log = open(Path(tempfile.gettempdir()) / "tc-db-worker.log", "ab")  # noqa: SIM115
    proc = subprocess.Popen(
        [str(PYTHON), "manage.py", "db_worker"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=log,
    )
    log.close()  # the child keeps its own descriptor
    STARTED["worker"] = proc
    try:
        yield proc
    finally:
        stop(proc, timeout=30)


@contextlib.contextmanager
def stack(
    *,
    database: str,
    server: str = "granian",
    port: int = 8000,
    pg_port: int = 5432,
    bouncer_port: int = 6432,
    workers: int = 2,
    threads: int = 4,
    pool_size: int = 20,
    worker: bool = True,
    extra_env: dict | None = None,
):
    """PgBouncer, the app server through it and (optionally) the job worker; stop all after."""
    direct = f"postgres://postgres@127.0.0.1:{pg_port}/{database}"
    bounced = f"postgres://postgres@127.0.0.1:{bouncer_port}/{database}"
    with contextlib.ExitStack() as stack_:
        stack_.enter_context(pgbouncer(port=bouncer_port, server_port=pg_port, pool_size=pool_size))
        stack_.enter_context(
            app_server(
                server=server,
                port=port,
                database_url=bounced,
                workers=workers,
                threads=threads,
                extra_env=extra_env,
            )
        )
        if worker:
            stack_.enter_context(db_worker(database_url=direct))
        yield f"http://127.0.0.1:{port}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="tc_seed")
    parser.add_argument("--server", choices=["gunicorn", "granian"], default="granian")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--pg-port", type=int, default=5432)
    parser.add_argument("--bouncer-port", type=int, default=6432)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--pool-size", type=int, default=20, help="PgBouncer default_pool_size")
    parser.add_argument("--no-worker", action="store_true", help="do not start db_worker")
    parser.add_argument("--for", dest="seconds", type=float, default=3600, help="stop after S s")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with stack(
        database=args.database,
        server=args.server,
        port=args.port,
        pg_port=args.pg_port,
        bouncer_port=args.bouncer_port,
        workers=args.workers,
        threads=args.threads,
        pool_size=args.pool_size,
        worker=not args.no_worker,
    ) as url:
        print(f"serving {url} ({args.server}) through PgBouncer :{args.bouncer_port}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            time.sleep(args.seconds)


if __name__ == "__main__":
    main()
