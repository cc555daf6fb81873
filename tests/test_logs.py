"""RNF-05: every run writes JSON log lines carrying its run_id, and no secret anywhere."""

from __future__ import annotations

import json

import pytest

from harness import db, load
from harness.config import load_settings
from harness.runs import RunFailed
from tests import shopdata

SECRET = "s3cr3t-Pa55-do-not-log"


def test_run_logs_are_json_with_run_id_and_hold_no_secret(fresh_dbs, monkeypatch, capsys):
    monkeypatch.setenv("HARNESS_ETL_PASSWORD", SECRET)   # ignored by the embedded server's trust auth
    monkeypatch.setenv("HARNESS_LOG_STDOUT", "1")
    with db.connect("oltp", "owner") as conn:
        shopdata.fill(conn)
    log_file = load_settings().log_dir / "harness.jsonl"
    start = log_file.stat().st_size if log_file.exists() else 0
    ok = load.load_daily()
    with db.connect("dw", "admin", autocommit=True) as conn:
        conn.execute("ALTER TABLE fact.fact_metas ADD CONSTRAINT sabotage CHECK (valor_meta < 0) NOT VALID")
    with db.connect("oltp", "owner") as conn:
        conn.execute("UPDATE shop.sales_targets SET target_amount = target_amount + 1")
    with pytest.raises(RunFailed):
        load.load_daily()
    with log_file.open("rb") as f:  # this test's lines only: the file is shared by the whole session
        f.seek(start)
        logged = f.read().decode("utf-8")
    lines = [json.loads(line) for line in logged.splitlines() if line.strip()]
    assert lines, "no log lines written"
    runs = {line.get("run_id") for line in lines}
    assert ok.run_id in runs and None not in runs
    assert any(line["event"] == "entity_loaded" and line["entity"] == "fact_vendas" for line in lines)
    assert any(line["event"] == "run_failed" and line["step"] == "fact_metas" for line in lines)
    stdout = capsys.readouterr().out
    assert '"event": "run_started"' in stdout
    with db.connect("dw", "admin") as conn:
        audit = conn.execute("SELECT string_agg(t::text, ' ') FROM audit.etl_run t").fetchone()[0]
    for text in (logged, stdout, audit):
        assert SECRET not in text
        assert "password" not in text.lower()
