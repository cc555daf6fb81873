"""`harness bench` at a tiny scale: one run on its own private server, every section in the JSON,
the Markdown section written, the server stopped and its data directory removed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from harness.cli import app

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD_DB_FUNCTIONS = {"atualizacao", "opcoes", "execucoes", "entidades_execucao", "kpis_vendas", "serie_vendas",
                          "quebra_vendas", "metas", "resumo_descontos", "campanhas"}


@pytest.mark.timeout(240)
def test_bench_tiny_scale_writes_every_section(tmp_path, monkeypatch):
    from bench import suite

    monkeypatch.setenv("HARNESS_OVERLAP_MINUTES", "7")   # the bench sets 0 for the rerun and must restore this
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\nhand-written text stays\n", encoding="utf-8")
    # a baseline run at another scale (what --baseline reads of it): the daily load is compared per changed row
    baseline = tmp_path / "bench-scale-1.json"
    baseline.write_text(json.dumps({"scale": 1, "machine": {"date": "2026-11-29T12:00:00+00:00"},
                                    "daily": {"ms_per_changed_row": 0.4,
                                              "load": {"seconds_total": 2.0, "rows_changed": 5000}}}))
    result = CliRunner().invoke(app, ["bench", "--scale", "0.002", "--out", str(tmp_path / "out"),
                                      "--repeat", "2", "--browser-repeat", "1", "--doc", str(doc),
                                      "--baseline", str(baseline)])
    assert result.exit_code == 0, result.output

    data = json.loads((tmp_path / "out" / "bench-scale-0.002.json").read_text())
    for section in suite.SECTIONS:
        assert section in data, f"section {section} missing"
    assert data["server"]["stopped"] is True
    assert not list((tmp_path / "out").glob("bench-home-*")), "private server's data directory left behind"
    import os
    assert os.environ["HARNESS_OVERLAP_MINUTES"] == "7"

    lines = data["generation"]["order_lines"]
    assert 1000 < lines < 3000                          # 0.002 x about a million
    full = {e["entity"]: e for e in data["full_load"]["entities"]}
    from harness.steps import ENTITIES
    assert {e.name for e in ENTITIES} <= set(full) and data["full_load"]["status"] == "succeeded"
    fv = full["fact_vendas"]
    assert fv["rows_read"] == lines == data["floor"]["copy_rows"]  # the floor copies the same lines
    assert data["floor"]["insert_rows"] == fv["rows_inserted"] + fv["rows_updated"]
    assert data["floor"]["seconds"] > 0 and data["targets"]["full_load_over_floor"]["value"] > 0

    daily = data["daily"]["load"]
    assert data["daily"]["advance"]["days"] == 1
    assert daily["rows_changed"] > 0 and daily["status"] in ("succeeded", "blocked")
    assert data["rerun"]["overlap_0"]["rows_read"] == 0   # nothing new, no overlap: nothing read
    assert data["rerun"]["overlap_0"]["rows_changed"] == 0
    # the default overlap re-reads recent rows, and picks up the advance's late-arriving rows that the
    # overlap-0 daily load could not see (that is what the overlap is for): it reads, it may change a few
    assert data["rerun"]["default_overlap"]["rows_read"] > 0

    names = {(q["kind"], q["name"].split(" ")[0]) for q in data["queries"]["results"]}
    assert {n for k, n in names if k == "dashboard"} == DASHBOARD_DB_FUNCTIONS
    standard = {p.stem for p in (ROOT / "database" / "queries").glob("*.sql")}
    assert {n for k, n in names if k == "standard"} == standard
    for q in data["queries"]["results"]:
        assert q["n"] == 2 and 0 < q["p50_ms"] <= q["p95_ms"] <= q["max_ms"]
    pages = {r["page"].split(" ")[0] for r in data["callbacks"]["results"]}
    assert pages == {"vendas", "metas", "descontos", "monitor"}
    scenarios = {r["scenario"] for r in data["callbacks"]["results"]}
    assert {"mes (padrão)", "total", "total + região", "mes + categoria", "total + vendedor"} <= scenarios
    for r in data["callbacks"]["results"]:
        assert r["n"] == 2 and 0 < r["p50_ms"] <= r["p95_ms"] <= r["max_ms"]
    assert "callback_p95_ms" in data["targets"]
    # the browser section: every page against the production server, bytes transferred compressed
    pages = {r["page"]: r for r in data["browser"]["results"]}
    assert set(pages) == set(suite.BROWSER_PAGES)
    for r in pages.values():
        assert r["first_visit_ms"] > 0 and 0 < r["bytes"] < r["uncompressed_bytes"] and r["console_errors"] == 0
    assert {p for p, r in pages.items() if "filter_change_ms" in r} == set(suite.FILTERED_PAGES)
    assert "first_visit_ms" in data["targets"] and "filter_change_ms" in data["targets"]
    assert data["top_statements"], "pg_stat_statements gave nothing"
    assert data["memory"]["peak_self_mb"] > 10
    assert data["machine"]["cores"] >= 1

    ratio = data["targets"]["daily_scale_ratio"]
    assert ratio["value"] == round(data["daily"]["ms_per_changed_row"] / 0.4, 2)
    assert ratio["met"] == (ratio["value"] < 1.5) and ratio["baseline_rows_changed"] == 5000

    text = doc.read_text()
    assert "| daily load per changed row vs scale 1 (2026-11-29T12:00) |" in text
    assert "hand-written text stays" in text
    assert text.count("<!-- bench:scale=0.002 -->") == 1 and "| full load / floor |" in text
    assert "| page | filter change | p50 ms | p95 ms |" in text
    suite.write_doc_section(doc, data)                  # rewriting replaces the section, never duplicates it
    assert doc.read_text().count("<!-- bench:scale=0.002 -->") == 1


def test_bench_refuses_a_missing_baseline_before_running(tmp_path):
    result = CliRunner().invoke(app, ["bench", "--scale", "0.002", "--out", str(tmp_path / "out"),
                                      "--baseline", str(tmp_path / "nowhere.json")])
    assert result.exit_code == 2 and "nowhere.json" in result.output
    assert not (tmp_path / "out").exists()


def test_bench_refuses_a_disk_too_small_for_the_scale_before_running(tmp_path, monkeypatch):
    # a scale-10 run that died of a full disk in its floor, 40 minutes in, is now refused at once
    import shutil
    from collections import namedtuple

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(100 * 1024 ** 3, 95 * 1024 ** 3, 5 * 1024 ** 3))
    result = CliRunner().invoke(app, ["bench", "--scale", "10", "--out", str(tmp_path / "out"), "--no-doc"])
    assert result.exit_code == 2, result.output
    assert "needs about 21 GB free" in result.output and "5.0 GB are free" in result.output
    assert not any((tmp_path / "out").glob("bench-home-*"))   # no server was started
