"""Every command in the runbook exists: each `harness ...` line in a bash block names a
real command and only options that command has."""

from __future__ import annotations

import re
from pathlib import Path

from tests import clicheck

ROOT = Path(__file__).resolve().parent.parent


def command_lines(text: str) -> list[str]:
    blocks = re.findall(r"```bash\n(.*?)```", text, re.S)
    inline = re.findall(r"`(harness [^`]+)`", text)
    lines = [line.strip() for b in blocks for line in b.splitlines() if line.strip().startswith("harness ")]
    return lines + inline


def test_runbook_commands_exist_with_their_options():
    lines = command_lines((ROOT / "docs" / "runbook.md").read_text())
    assert len(lines) >= 10
    for line in lines:
        assert clicheck.problems(line) == []


def test_runbook_sections_named_by_alerts_exist():
    from harness.alerts import RUNBOOK_SECTIONS

    text = (ROOT / "docs" / "runbook.md").read_text()
    for anchor in RUNBOOK_SECTIONS.values():
        assert f'id="{anchor[1:]}"' in text
