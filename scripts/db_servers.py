"""Private PostgreSQL and Redis servers on loopback, for tests and benchmarks of the production
configuration. Each runs from Debian's packages (scripts/install_db_servers.sh) in its own data
folder and port, and is gone when stopped; nothing of the system's services is touched.

PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

DATABASE = "klantenservice"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_port(port: int, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not start on port {port} within {timeout:.0f} s")


class Postgres:
    """`postgresql://postgres@127.0.0.1:<port>/klantenservice`, trust authentication on loopback."""

    def __init__(self, folder: Path | None = None, port: int | None = None) -> None:
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        # The postgres user must reach the folder: as root, one under /var/tmp (a test's tmp_path
        # lies in folders only root may enter).
        if folder is None or self.as_user:
            folder = Path(tempfile.mkdtemp(prefix="klantenservice-pg-", dir="/var/tmp"))
            os.chmod(folder, 0o755)
        self.folder = Path(folder)
        self.port = port or free_port()
        installed = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not installed:
            raise RuntimeError("PostgreSQL is not installed: run scripts/install_db_servers.sh")
        pg_ctl = installed[-1]
        self.bin = Path(pg_ctl).parent

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def _run(self, *command: str) -> None:
        done = subprocess.run([*self.as_user, *command], capture_output=True, text=True, cwd="/")
        if done.returncode:
            raise RuntimeError(
                f"{Path(command[0]).name} failed: {done.stderr.strip() or done.stdout.strip()}"
            )

    def start(self) -> Postgres:
        data, sockets = self.folder / "data", self.folder / "sockets"
        if not data.exists():
            self.folder.mkdir(parents=True, exist_ok=True)
            sockets.mkdir(exist_ok=True)
            if self.as_user:
                shutil.chown(self.folder, "postgres")
                shutil.chown(sockets, "postgres")
            self._run(
                str(self.bin / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C",
            )
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(self.folder / "server.log"),
            "-w",
            "-o",
            f"-p {self.port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        )
        _wait_for_port(self.port, "PostgreSQL")
        self._create_database()
        return self

    def _create_database(self) -> None:
        import psycopg2

        connection = psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres")
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,))
            if cursor.fetchone() is None:
                cursor.execute(f"CREATE DATABASE {DATABASE}")
        connection.close()

    def stop(self, mode: str = "fast") -> None:
        data = self.folder / "data"
        if data.exists():
            subprocess.run(
                [*self.as_user, str(self.bin / "pg_ctl"), "-D", str(data), "-m", mode, "-w", "stop"],
                capture_output=True,
                cwd="/",
            )

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


class Redis:
    """`redis://:<password>@127.0.0.1:<port>/0`, in memory only, with a password as in production
    (deploy/helm/redis-values.yml): every client must send it, or Redis answers NOAUTH."""

    def __init__(self, folder: Path, port: int | None = None) -> None:
        self.folder = Path(folder)
        self.port = port or free_port()
        self.password = secrets.token_hex(16)
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://:{self.password}@127.0.0.1:{self.port}/0"

    def start(self) -> Redis:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("Redis is not installed: run scripts/install_db_servers.sh")
        self.folder.mkdir(parents=True, exist_ok=True)
        # The password goes in through stdin, as a configuration file would give it, so that it
        # never shows on a command line (ps).
        command = [binary, "-", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        command += ["--appendonly", "no", "--dir", str(self.folder)]
        with open(self.folder / "redis.log", "wb") as log:
            self.process = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT
            )
        assert self.process.stdin is not None
        self.process.stdin.write(f"requirepass {self.password}\n".encode())
        self.process.stdin.close()
        _wait_for_port(self.port, "Redis")
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def fresh_database(server_url: str, name: str) -> str:
    """A new, empty database on the server of `server_url`; returns its URL."""
    import psycopg2
    from sqlalchemy.engine import make_url

    url = make_url(server_url)
    connection = psycopg2.connect(host=url.host, port=url.port, user=url.username, dbname="postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()
    return str(url.set(database=name))
