"""The local production stack for load runs: PgBouncer on loopback plus the app server.

    python bench/stack.py --database tc_seed --server gunicorn --for 600

starts PgBouncer (Debian's /usr/sbin/pgbouncer, which `make pgbouncer` installs; a generated
ini and userlist in a temporary folder, run as the `postgres` user because it refuses root) on
127.0.0.1:6432 in front of 127.0.0.1:5432, then the app server with production settings
(DEBUG off, API_THROTTLING=off, throttle cache in Redis when REDIS_URL is set) on
127.0.0.1:8000 talking to PgBouncer, and optionally one job worker (`run_jobs`) for the fan-out jobs
(talking to PostgreSQL directly). It stops all of them on exit, Ctrl-C or `--for` seconds.
bench/load.py and bench/fault_drill.py use the same context managers.

`--pool-mode session` (the default, as deploy/pgbouncer/pgbouncer.ini) pins each of the app's
pooled connections to a server connection, so the app runs with prepared statements on
(DB_PREPARED_STATEMENTS=on: each connection plans the rule's statements once; PgBouncer 1.18
cannot carry them in transaction mode). `--pool-mode transaction` runs the app with them off,
as the stack was before (docs/scaling.md "PgBouncer and prepared statements").

`--app-servers N` (N >= 2) runs N app servers on the ports after `--port` and Debian's HAProxy
on `--port` in front of them, with deploy/haproxy/haproxy.cfg (health checks on /readyz,
X-Forwarded-For, which the servers trust through TRUSTED_PROXIES=127.0.0.1/32).

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
HAPROXY = "/usr/sbin/haproxy"
HAPROXY_CONFIG = ROOT / "deploy" / "haproxy" / "haproxy.cfg"

# Session pooling pins a client connection to a server connection, so psycopg's prepared
# statements survive between transactions; transaction pooling (PgBouncer 1.18) cannot carry them.
POOL_MODES = ("session", "transaction")
PREPARED_BY_POOL_MODE = {"session": "on", "transaction": "off"}


def pool_mode_env(pool_mode: str, extra_env: dict | None = None) -> dict:
    """Return `extra_env` for the app behind PgBouncer in `pool_mode`: prepared statements on
    in session mode, off in transaction mode, unless the environment or `extra_env` says."""
    prepared = os.environ.get("DB_PREPARED_STATEMENTS", PREPARED_BY_POOL_MODE[pool_mode])
    return {"DB_PREPARED_STATEMENTS": prepared, **(extra_env or {})}


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
    pool_mode: str = "transaction",
) -> str:
    """Return the ini of a loopback PgBouncer in `pool_mode` in front of 127.0.0.1."""
    return f"""[databases]
* = host=127.0.0.1 port={server_port} user=postgres

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir = {workdir}
auth_type = trust
auth_file = {workdir}/userlist.txt
admin_users = postgres
pool_mode = {pool_mode}
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
    pool_mode: str = "transaction",
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
                pool_mode=pool_mode,
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
    wait: bool = True,
):
    """Run the app server on 127.0.0.1:`port` for the block; yield the Popen.

    `wait=False` yields at once (start several, then wait_for_port on each).
    """
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
        if wait:
            wait_for_port("127.0.0.1", port, proc=proc, timeout=60)
        yield proc
    finally:
        stop(proc, timeout=30)


def haproxy_backend(servers: dict[str, int]) -> str:
    """Return the `backend web` section naming loopback app servers {name: port}."""
    lines = ["backend web from app"]
    lines += [f"    server {name} 127.0.0.1:{port}" for name, port in servers.items()]
    return "\n".join(lines) + "\n"


def haproxy_show_stat(socket_path: Path) -> dict[str, dict[str, str]]:
    """Return `show stat` of the web backend's servers (type 2) by name: status, hrsp_2xx, ..."""
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(5)
        sock.connect(str(socket_path))
        sock.sendall(b"show stat\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    header, *rows = data.decode().splitlines()
    names = header.lstrip("# ").split(",")
    servers = {}
    for row in rows:
        fields = dict(zip(names, row.split(","), strict=False))
        if fields.get("pxname") == "web" and fields.get("type") == "2":
            servers[fields["svname"]] = fields
    return servers


@contextlib.contextmanager
def haproxy(
    *,
    port: int,
    servers: dict[str, int],
    stats_port: int | None = None,
    check_inter: str = "2s",
    wait_up: bool = True,
):
    """Run HAProxy on 127.0.0.1:`port` in front of loopback servers {name: port}.

    deploy/haproxy/haproxy.cfg with a generated `backend web`; yield the stats socket path.
    Its Prometheus page is on `stats_port` (default `port` + 9). With `wait_up`, return only
    once every server has passed its /readyz check.
    """
    if not Path(HAPROXY).exists():
        raise RuntimeError(f"{HAPROXY} is missing: apt-get install --no-install-recommends haproxy")
    require_free(port)
    workdir = Path(tempfile.mkdtemp(prefix="tc-haproxy-"))
    try:
        backend = workdir / "servers.cfg"
        backend.write_text(haproxy_backend(servers))
        stats_socket = workdir / "haproxy.sock"
        env = {
            **os.environ,
            "HAPROXY_BIND": f"127.0.0.1:{port}",
            "HAPROXY_STATS_BIND": f"127.0.0.1:{stats_port or port + 9}",
            "HAPROXY_STATS_SOCKET": str(stats_socket),
            "HAPROXY_CHECK_INTER": check_inter,
            "HAPROXY_CHECK_HOST": "127.0.0.1",
        }
        command = [HAPROXY, "-db", "-f", str(HAPROXY_CONFIG), "-f", str(backend)]
        proc = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL)
        STARTED["haproxy"] = proc
        try:
            wait_for_port("127.0.0.1", port, proc=proc)
            deadline = time.monotonic() + 30
            while wait_up:
                # HAProxy counts a server UP before its first check; wait for a passed one.
                states = {
                    name: (fields["status"], fields["check_status"])
                    for name, fields in haproxy_show_stat(stats_socket).items()
                }
                if all(state == ("UP", "L7OK") for state in states.values()):
                    break
                if time.monotonic() > deadline:
                    raise TimeoutError(f"HAProxy's servers are not all up: {states}")
                time.sleep(0.1)
            yield stats_socket
        finally:
            stop(proc)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@contextlib.contextmanager
def app_servers(
    *,
    count: int,
    port: int,
    database_url: str,
    server: str = "granian",
    workers: int = 2,
    threads: int = 4,
    extra_env: dict | None = None,
):
    """Run `count` app servers on the ports after `port` and HAProxy on `port` before them."""
    ports = {f"web{n}": port + n for n in range(1, count + 1)}
    # The servers believe X-Forwarded-For only from HAProxy (loopback here).
    env = {"TRUSTED_PROXIES": "127.0.0.1/32", **(extra_env or {})}
    with contextlib.ExitStack() as stack_:
        procs = [
            stack_.enter_context(
                app_server(
                    server=server,
                    port=server_port,
                    database_url=database_url,
                    workers=workers,
                    threads=threads,
                    extra_env=env,
                    wait=False,
                )
            )
            for server_port in ports.values()
        ]
        # Started together, so they load Django side by side.
        for server_port, proc in zip(ports.values(), procs, strict=True):
            wait_for_port("127.0.0.1", server_port, proc=proc, timeout=60)
        # One STARTED role per server: app, app2, app3 ... (bench/load.py sums their CPU).
        for n, proc in enumerate(procs):
            STARTED["app" if n == 0 else f"app{n + 1}"] = proc
        stack_.enter_context(haproxy(port=port, servers=ports))
        yield ports


@contextlib.contextmanager
def db_worker(*, database_url: str):
    """Run one job worker (`manage.py run_jobs`: fan-out and the other jobs, with leases) for
    the block, straight to PostgreSQL."""
    env = app_environment(database_url=database_url, threads=2)
    # One line per job is noise next to the load numbers; it goes to a log file instead.
    log = open(Path(tempfile.gettempdir()) / "tc-db-worker.log", "ab")  # noqa: SIM115
    proc = subprocess.Popen(
        [str(PYTHON), "manage.py", "run_jobs"],
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
    app_servers_count: int = 1,
    pool_mode: str = "session",
):
    """PgBouncer, the app server through it and (optionally) the job worker; stop all after.

    With `app_servers_count` >= 2, that many app servers behind HAProxy on `port`. In session
    mode the app runs with prepared statements on, in transaction mode off (PgBouncer 1.18
    cannot carry them there); DB_PREPARED_STATEMENTS in `extra_env` or the environment wins.
    """
    direct = f"postgres://postgres@127.0.0.1:{pg_port}/{database}"
    bounced = f"postgres://postgres@127.0.0.1:{bouncer_port}/{database}"
    extra_env = pool_mode_env(pool_mode, extra_env)
    with contextlib.ExitStack() as stack_:
        stack_.enter_context(
            pgbouncer(
                port=bouncer_port, server_port=pg_port, pool_size=pool_size, pool_mode=pool_mode
            )
        )
        if app_servers_count > 1:
            stack_.enter_context(
                app_servers(
                    count=app_servers_count,
                    port=port,
                    database_url=bounced,
                    server=server,
                    workers=workers,
                    threads=threads,
                    extra_env=extra_env,
                )
            )
        else:
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
    parser.add_argument(
        "--app-servers", type=int, default=1, help="N >= 2: N app servers behind HAProxy"
    )
    parser.add_argument("--pool-size", type=int, default=20, help="PgBouncer default_pool_size")
    parser.add_argument("--pool-mode", choices=POOL_MODES, default="session", help="PgBouncer's")
    parser.add_argument("--no-worker", action="store_true", help="do not start the job worker")
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
        app_servers_count=args.app_servers,
        pool_mode=args.pool_mode,
    ) as url:
        front = f"HAProxy over {args.app_servers} x " if args.app_servers > 1 else ""
        print(
            f"serving {url} ({front}{args.server}) through PgBouncer :{args.bouncer_port}",
            flush=True,
        )
        with contextlib.suppress(KeyboardInterrupt):
            time.sleep(args.seconds)


if __name__ == "__main__":
    main()
