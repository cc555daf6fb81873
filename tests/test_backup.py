"""Restore drill: backup, then restore into a fresh server, gives identical table checksums."""

from __future__ import annotations

import pytest

from harness import backup, db
from harness.config import load_settings
from harness.errors import HarnessError
from tests import shopdata


def checksums(which: str) -> dict:
    with db.connect(which, "admin") as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables "
            "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1")]
        return {t: conn.execute(f"SELECT count(*), md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), '')) "
                                f"FROM {t} x").fetchone() for t in tables}


def test_backup_then_restore_into_a_fresh_server_is_identical(fresh_dbs, tmp_path, monkeypatch):
    from harness import load

    with db.connect("oltp", "owner") as conn:
        shopdata.fill(conn)
    load.load_daily()
    before = {w: checksums(w) for w in ("oltp", "dw")}
    archive = tmp_path / "wh.backup"
    backup.backup(archive)
    with monkeypatch.context() as m:  # undone before fresh_dbs' teardown, which must reach the test server
        m.setenv("HARNESS_HOME", str(tmp_path / "fresh-server"))
        try:
            backup.restore(archive)
            after = {w: checksums(w) for w in ("oltp", "dw")}
            with pytest.raises(HarnessError, match="already exists"):
                backup.restore(archive)
        finally:
            db.stop_embedded(load_settings())
    assert after["oltp"] == before["oltp"]
    # logging in to check the restored warehouse writes login-audit rows: compare the rest exactly
    assert {k: v for k, v in after["dw"].items() if k != "audit.connection_login_events"} == \
           {k: v for k, v in before["dw"].items() if k != "audit.connection_login_events"}
