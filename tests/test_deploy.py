"""Deployment files parse and run only real harness commands (cron, systemd, docker compose)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from tests import clicheck

ROOT = Path(__file__).resolve().parent.parent


def harness_invocations(text: str) -> list[str]:
    found = re.findall(r"(?:\.venv/bin/|/opt/warehouse/\.venv/bin/)?(harness(?: [^;&|>\n\"']+)?)", text)
    return [f.strip() for f in found if f.strip() != "harness"]


def test_compose_parses_and_runs_real_commands():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert {"db", "migrate", "scheduler", "dashboards"} <= set(compose["services"])
    assert compose["services"]["db"]["image"].startswith("postgres:18")
    commands = []
    for service in compose["services"].values():
        cmd = service.get("command")
        if isinstance(cmd, list) and cmd and cmd[0] == "harness":
            commands.append(" ".join(cmd))
        elif isinstance(cmd, list):
            commands += harness_invocations(" ".join(cmd))
    assert len(commands) >= 5
    for line in commands:
        assert clicheck.problems(line) == []


def test_compose_holds_no_secret():
    text = (ROOT / "docker-compose.yml").read_text()
    assert not re.search(r"^\s*\w*PASSWORD:\s*[^$\s]", text, re.M), "passwords must come from the environment (.env)"


def test_cron_and_systemd_run_real_commands():
    texts = [(ROOT / "deploy" / "crontab.example").read_text()]
    texts += [p.read_text() for p in (ROOT / "deploy" / "systemd").glob("*.service")]
    lines = [line for t in texts for line in harness_invocations(t)]
    assert {"load-daily", "smoke", "check-sla"} <= {line.split()[1] for line in lines}
    for line in lines:
        assert clicheck.problems(line) == []
    for timer in (ROOT / "deploy" / "systemd").glob("*.timer"):
        assert "OnCalendar=" in timer.read_text()
