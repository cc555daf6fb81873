"""The CLI is documented: every command has help text and is mentioned in the README."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import typer.main
from typer.testing import CliRunner

from harness.cli import app

ROOT = Path(__file__).resolve().parent.parent


def all_commands(group=None, prefix=()):
    group = group or typer.main.get_command(app)
    for name, cmd in group.commands.items():
        path = (*prefix, name)
        if hasattr(cmd, "commands"):
            yield from all_commands(cmd, path)
        else:
            yield path, cmd


def test_every_command_has_help_text():
    for path, cmd in all_commands():
        assert (cmd.help or "").strip(), f"harness {' '.join(path)} has no help text"
        result = CliRunner().invoke(app, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)


def test_every_command_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    for path, _ in all_commands():
        assert re.search(rf"harness {re.escape(' '.join(path))}\b", readme), f"README lacks harness {' '.join(path)}"


def test_readme_starts_with_the_two_setup_commands():
    lines = (ROOT / "README.md").read_text().splitlines()
    block = "\n".join(lines[:6])
    assert "bash scripts/demo.sh" in block and "bash scripts/test.sh" in block
    assert "scripts/test.sh" in (ROOT / ".ci" / "run").read_text()


def test_failing_pgtap_assertion_is_a_failed_pytest_item_naming_file_and_assertion(template_dbs):
    probe_dir = ROOT / ".warehouse-test" / "pgtap_probe"
    probe_dir.mkdir(parents=True, exist_ok=True)
    probe = probe_dir / "test_deliberate_failure.sql"
    probe.write_text("BEGIN;\nSELECT plan(2);\nSELECT ok(true, 'a passing assertion');\n"
                     "SELECT is(1, 2, 'the deliberately failing assertion');\n"
                     "SELECT * FROM finish();\nROLLBACK;\n")
    try:
        result = subprocess.run([sys.executable, "-m", "pytest", "--rootdir", str(ROOT), "-p", "no:cacheprovider",
                                 str(probe)], capture_output=True, text=True, cwd=ROOT, timeout=300)
    finally:
        probe.unlink()
    assert result.returncode == 1, result.stdout[-2000:]
    assert "FAILED" in result.stdout and "test_deliberate_failure.sql" in result.stdout
    assert "the deliberately failing assertion" in result.stdout


def test_no_pgtap_run_fails_the_session(tmp_path):
    """pytest-pgtap skips SQL files without a database; harness test must not report success then."""
    probe_dir = ROOT / ".warehouse-test" / "pgtap_skip_probe"
    probe_dir.mkdir(parents=True, exist_ok=True)
    (probe_dir / "conftest.py").write_text(
        "import pytest\n@pytest.fixture(scope='session')\ndef pgtap_connection():\n    yield None\n")
    (probe_dir / "test_skipped.sql").write_text("BEGIN;\nSELECT plan(1);\nSELECT ok(true, 'x');\nSELECT * FROM finish();\nROLLBACK;\n")
    try:
        result = subprocess.run([sys.executable, "-m", "pytest", "--rootdir", str(ROOT), "-p", "no:cacheprovider",
                                 str(probe_dir)], capture_output=True, text=True, cwd=ROOT, timeout=300)
    finally:
        for f in probe_dir.iterdir():
            f.unlink()
        probe_dir.rmdir()
    assert "skipped" in result.stdout
    assert result.returncode == 1, result.stdout[-2000:]
    assert "no pgTAP test file ran" in result.stdout
