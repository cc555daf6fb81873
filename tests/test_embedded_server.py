"""The embedded server survives its client being killed, and recovers from its own death."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from harness import db
from harness.config import load_settings


@pytest.fixture
def private_home(tmp_path, monkeypatch):
    # beside the test server, not under /tmp/pytest-of-<user>: any pytest session that starts on
    # the machine resets that folder to mode 0700, which the server's own user cannot traverse
    home = Path(os.environ["HARNESS_HOME"]) / "private" / tmp_path.name   # the test server's home
    monkeypatch.setenv("HARNESS_HOME", str(home))
    yield home
    try:
        db.stop_embedded(load_settings())
    finally:
        shutil.rmtree(home, ignore_errors=True)


def harness(*args, env=None):
    return subprocess.run([sys.executable, "-m", "harness.cli", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=120)


def test_killed_client_leaves_server_that_next_command_reuses(private_home):
    child = subprocess.Popen([sys.executable, "-c",
                              "from harness import db; db.start_embedded(); print('up', flush=True); "
                              "import time; time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "up"
    first = db.embedded_status(load_settings())
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert first.running
    result = harness("db", "start")
    assert result.returncode == 0, result.stderr
    assert f"pid {first.pid}" in result.stdout  # reused, not a second server
    postmasters = [p for p in psutil.process_iter(["cmdline"])
                   if p.info["cmdline"] and str(private_home / "pgdata") in " ".join(p.info["cmdline"])
                   and p.info["cmdline"][0].endswith("postgres")]
    assert len(postmasters) == 1


def test_server_killed_with_sigkill_restarts_on_next_command(private_home):
    first = db.start_embedded(load_settings())
    os.kill(first.pid, signal.SIGKILL)
    deadline = time.time() + 10
    while psutil.pid_exists(first.pid) and time.time() < deadline:
        time.sleep(0.1)
    result = harness("db", "status")
    assert result.returncode == 1 and "not running" in result.stdout
    with db.connect("postgres", "admin") as conn:  # started on demand despite the stale postmaster.pid
        assert conn.execute("SELECT 1").fetchone() == (1,)
    assert db.embedded_status(load_settings()).pid != first.pid


def test_stop_then_status(private_home):
    db.start_embedded(load_settings())
    assert harness("db", "stop").stdout.strip() == "embedded PostgreSQL stopped"
    assert harness("db", "stop").stdout.strip() == "embedded PostgreSQL was not running"


def test_failed_start_shows_the_servers_own_last_lines(private_home):
    """A server that cannot start: the one-line error gives its reason and the lines under it come
    from the server's log (or from initdb when there is no log yet), never a path to a missing file."""
    (private_home / "pgdata").mkdir(parents=True)
    (private_home / "pgdata" / "stray-file").write_text("not a data directory\n")   # initdb refuses it
    result = harness("db", "start")
    assert result.returncode == 5 and "Traceback" not in result.stderr
    first, *rest = result.stderr.strip().splitlines()
    assert first.startswith("error: the embedded PostgreSQL under") and "exists but is not empty" in first
    assert any("initdb: error" in line for line in rest) and "Failed postgres command" not in result.stderr

    (private_home / "pgdata" / "stray-file").unlink()
    assert harness("db", "start").returncode == 0
    assert harness("db", "stop").returncode == 0
    with open(private_home / "pgdata" / "postgresql.conf", "a") as conf:
        conf.write("\nshared_buffers = 'not a size'\n")
    result = harness("db", "start")
    assert result.returncode == 5 and "Traceback" not in result.stderr
    first, *rest = result.stderr.strip().splitlines()
    assert "shared_buffers" in result.stderr and "last lines of the server log" in result.stderr
    log = private_home / "pgdata" / "log"
    assert str(log) in result.stderr and log.exists()
