"""Every command in the runbook exists: each `harness ...` line in a bash block names a
real command and only options that command has."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import typer.main

from harness.cli import app

ROOT = Path(__file__).resolve().parent.parent


def command_lines(text: str) -> list[str]:
    blocks = re.findall(r"```bash\n(.*?)```", text, re.S)
    inline = re.findall(r"`(harness [^`]+)`", text)
    lines = [line.strip() for b in blocks for line in b.splitlines() if line.strip().startswith("harness ")]
    return lines + inline


def resolve(words: list[str]):
    cmd = typer.main.get_command(app)
    consumed = 0
    while hasattr(cmd, "commands") and consumed < len(words) and words[consumed] in cmd.commands:
        cmd = cmd.commands[words[consumed]]
        consumed += 1
    return cmd, words[consumed:]


def test_runbook_commands_exist_with_their_options():
    lines = command_lines((ROOT / "docs" / "runbook.md").read_text())
    assert len(lines) >= 10
    for line in lines:
        words = shlex.split(line)[1:]
        cmd, rest = resolve(words)
        assert not hasattr(cmd, "commands"), f"runbook: `{line}` is not a complete command"
        options = {o for p in cmd.params for o in getattr(p, "opts", [])}
        for word in rest:
            if word.startswith("-") and cmd.name not in ("psql",):
                assert word.split("=")[0] in options, f"runbook: `{line}`: {word} is not an option of harness {cmd.name}"


def test_runbook_sections_named_by_alerts_exist():
    from harness.alerts import RUNBOOK_SECTIONS

    text = (ROOT / "docs" / "runbook.md").read_text()
    for anchor in RUNBOOK_SECTIONS.values():
        assert f'id="{anchor[1:]}"' in text
