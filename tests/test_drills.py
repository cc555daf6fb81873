"""Recovery drills (CA-04): the database stopped in the middle of a load."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from harness import db, load, migrate
from harness.config import load_settings
from tests import receivers, shopdata


@pytest.fixture
def private_server(tmp_path, monkeypatch):
    monkeypatch.setenv("HARNESS_HOME", str(tmp_path / "wh"))
    migrate.migrate()
    with db.connect("oltp", "owner") as conn:
        shopdata.fill(conn)
    yield load_settings()
    db.stop_embedded(load_settings())


def test_database_stopped_during_a_load_fails_clearly_alerts_and_a_rerun_recovers(private_server):
    with receivers.webhook_sink() as (url, hooks):
        env = {**os.environ, "HARNESS_AUTOSTART": "0", "HARNESS_ALERT_URLS": url, "PYTHONPATH": os.getcwd()}
        blocker = db.connect("dw", "admin")
        blocker.execute("LOCK TABLE fact.fact_vendas IN ACCESS EXCLUSIVE MODE")  # the load waits here
        child = subprocess.Popen([sys.executable, "-m", "harness.cli", "load-daily"], env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 60
        while time.time() < deadline and not blocker.execute(
                "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'fact.fact_vendas'::regclass").fetchone()[0]:
            time.sleep(0.2)
        db.stop_embedded(private_server)  # the database goes away mid-load
        out, err = child.communicate(timeout=120)
        blocker.close()
        assert child.returncode == 5, (out, err)
        assert "the database connection was lost" in err  # one line naming the step that was running
        assert "Traceback" not in err
        assert len(hooks) == 1 and "a carga diária falhou" in hooks[0]["message"]
        assert "sem deduplicação" in hooks[0]["message"]
    db.start_embedded(private_server)
    summary = load.load_daily()
    assert summary.status == "succeeded"
    with db.connect("dw", "admin") as conn:
        runs = conn.execute("SELECT status FROM audit.etl_run ORDER BY run_id").fetchall()
        cut_off = conn.execute("SELECT failed_step, error_message FROM audit.etl_run ORDER BY run_id LIMIT 1").fetchone()
        lines = conn.execute("SELECT count(*) FROM fact.fact_vendas").fetchone()[0]
    assert [r[0] for r in runs] == ["stale", "succeeded"]
    # the run cut off by the stop gets its step and reason when the next run marks it stale
    assert f"{cut_off[0]}: the database connection was lost" in err, (cut_off, err)
    assert cut_off[1].startswith("o servidor do banco reiniciou"), cut_off
    assert lines == sum(len(o[6]) for o in shopdata.ORDERS)
