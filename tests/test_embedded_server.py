"""The embedded server survives its client being killed, and recovers from its own death."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psutil
import pytest

from harness import db
from harness.config import load_settings


@pytest.fixture
def private_home(tmp_path, monkeypatch):
    home = tmp_path / "wh"
    monkeypatch.setenv("HARNESS_HOME", str(home))
    yield home
    db.stop_embedded(load_settings())


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
