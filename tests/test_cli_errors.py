"""Every bad invocation ends in one line on stderr, the right exit code, no traceback, and no
secret on stdout, stderr, in the JSON log or in the audit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness import clitools, db
from harness.config import load_settings

SECRET = "Xk7-pa55-n0t-t0-leak"


def harness(*args: str, env: dict | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness.cli", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=180, cwd=cwd)


# (id, arguments, environment, exit code, words the one line must hold)
BAD = [
    ("db-url-unknown-database", ["db", "url", "-d", "nope"], {}, 2, ["unknown database 'nope'", "dw, oltp, postgres"]),
    ("db-url-unknown-role", ["db", "url", "-r", "nope"], {}, 2, ["unknown role 'nope'"]),
    ("db-psql-unknown-database", ["db", "psql", "-d", "nope"], {}, 2, ["unknown database 'nope'"]),
    ("status-negative-limit", ["status", "--limit", "-1"], {}, 2, ["--limit"]),
    ("restore-not-an-archive", ["restore", "{not_archive}"], {}, 2, ["not a harness backup archive"]),
    ("warehouse-url-not-a-url", ["status"], {"WAREHOUSE_URL": "not-a-url"}, 2, ["WAREHOUSE_URL"]),
    ("oltp-url-unclosed-bracket", ["load-daily"], {"OLTP_URL": f"postgresql://etl:{SECRET}@[bad"}, 2, ["OLTP_URL"]),
    ("warehouse-url-unescaped-percent", ["status"],
     {"WAREHOUSE_URL": f"postgresql://etl:50%{SECRET}@localhost/dw"}, 2, ["WAREHOUSE_URL"]),
    ("warehouse-url-bad-port", ["status"], {"WAREHOUSE_URL": f"postgresql://etl:{SECRET}@localhost:port/dw"}, 2,
     ["WAREHOUSE_URL", "port"]),
    ("alert-url-malformed", ["check-sla"],
     {"HARNESS_ALERT_URLS": f"json://127.0.0.1:9/ok bogus://{SECRET}@hooks"}, 2, ["HARNESS_ALERT_URLS", "entry 2 of 2"]),
    ("quality-unknown-check", ["quality", "--check", "nope"], {}, 2, ["unknown check 'nope'", "reconciliacao_diaria"]),
    ("advance-bad-rows-above-half", ["oltp", "advance", "--bad-rows", "2"], {}, 2, ["--bad-rows"]),
    ("advance-negative-days", ["oltp", "advance", "--days", "-1"], {}, 2, ["--days"]),
    ("load-daily-unknown-trigger", ["load-daily", "--trigger", "bogus"], {}, 2, ["--trigger", "manual, schedule"]),
    ("backup-missing-folder", ["backup", "{missing_dir}/x.dump"], {}, 2, ["no such folder"]),
    ("debug-flag-keeps-expected-errors-one-line", ["--debug", "db", "url", "-d", "nope"], {}, 2,
     ["unknown database"]),
]


@pytest.fixture
def log_tail():
    """What the JSON log receives from now on."""
    path = load_settings().log_dir / "harness.jsonl"
    start = path.stat().st_size if path.exists() else 0

    def read() -> str:
        if not path.exists():
            return ""
        with path.open(encoding="utf-8") as f:
            f.seek(start)
            return f.read()
    return read


@pytest.mark.parametrize("case", BAD, ids=[c[0] for c in BAD])
def test_bad_invocation_is_one_line_with_its_exit_code(case, fresh_dbs, tmp_path, log_tail):
    _, args, env, code, words = case
    not_archive = tmp_path / "hostname"
    not_archive.write_text("a-host-name\n")
    args = [a.format(not_archive=not_archive, missing_dir=tmp_path / "missing") for a in args]
    result = harness(*args, env=env)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == code, (result.stdout, result.stderr)
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    with db.connect("dw", "admin") as conn:
        audit = conn.execute("SELECT count(*), coalesce(string_agg(r::text, ' '), '') FROM audit.etl_run r").fetchone()
    assert audit[0] == 0, "a refused invocation must not start a run"
    for text in (result.stdout, result.stderr, log_tail(), audit[1]):
        assert "Traceback" not in text
        assert SECRET not in text and SECRET.replace("-", "%2D") not in text
    assert not (tmp_path / "missing").exists(), "backup must not create the folder it was given"


def test_unexpected_error_is_one_line_and_its_redacted_trace_goes_to_the_log(capsys, log_tail, monkeypatch):
    def boom(**_kwargs):
        raise RuntimeError(f"could not reach postgresql://etl:{SECRET}@db.example/dw")

    monkeypatch.delenv("HARNESS_DEBUG", raising=False)
    assert clitools.main(boom) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: unexpected RuntimeError") and "--debug" in err
    assert "Traceback" not in err and SECRET not in err
    logged = [json.loads(line) for line in log_tail().splitlines() if line.strip()]
    [event] = [e for e in logged if e["event"] == "unexpected_error"]
    assert "Traceback" in event["exception"] and "RuntimeError" in event["exception"]
    assert SECRET not in json.dumps(logged)

    monkeypatch.setenv("HARNESS_DEBUG", "1")
    assert clitools.main(boom) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and SECRET not in err


def test_never_migrated_server_says_run_migrate(tmp_path):
    """A server that answers but has no warehouse: `run harness migrate`, also from doctor."""
    env = {"HARNESS_HOME": str(tmp_path / "wh"), "HARNESS_DW_DB": "dw_ecommerce", "HARNESS_OLTP_DB": "ecommerce_oltp"}
    try:
        status = harness("status", env=env)
        assert status.returncode == 2, (status.stdout, status.stderr)
        assert status.stderr.count("\n") == 1 and "run `harness migrate`" in status.stderr
        assert "Traceback" not in status.stderr
        doctor = harness("doctor", env=env)
        assert doctor.returncode == 1 and "harness migrate" in doctor.stdout
        assert "harness db start" not in doctor.stdout and "Traceback" not in doctor.stdout + doctor.stderr
    finally:
        harness("db", "stop", env=env)
