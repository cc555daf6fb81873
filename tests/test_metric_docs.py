"""docs/metricas.md is generated from metrics/catalog.yaml and must not be stale."""

from __future__ import annotations

from typer.testing import CliRunner

from harness import metrics
from harness.cli import app


def test_committed_metric_dictionary_is_current():
    rendered = metrics.render_docs()
    committed = metrics.docs_path().read_text(encoding="utf-8")
    assert committed == rendered, "docs/metricas.md is stale: run `harness docs metrics` and commit it"


def test_dictionary_documents_every_metric_in_portuguese():
    catalog = metrics.load_catalog()
    text = metrics.render_docs(catalog)
    for m in catalog.metrics:
        assert f"### {m.label} (`{m.name}`)" in text and m.sql in text
    assert "Regras de negócio" in text and "eh_cancelado" in text


def test_docs_metrics_check_fails_on_a_stale_file_and_writes_a_current_one(tmp_path):
    target = tmp_path / "metricas.md"
    target.write_text("# velho\n", encoding="utf-8")
    runner = CliRunner()
    stale = runner.invoke(app, ["docs", "metrics", "--check", "--output", str(target)])
    assert stale.exit_code == 1 and target.read_text(encoding="utf-8") == "# velho\n"
    wrote = runner.invoke(app, ["docs", "metrics", "--output", str(target)])
    assert wrote.exit_code == 0
    current = runner.invoke(app, ["docs", "metrics", "--check", "--output", str(target)])
    assert current.exit_code == 0 and target.read_text(encoding="utf-8") == metrics.render_docs()
