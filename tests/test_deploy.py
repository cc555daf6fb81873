"""Deployment files parse and run only real harness commands (cron, systemd, docker compose)."""

from __future__ import annotations

import os
import re
import subprocess
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
    assert len(commands) >= 2
    for line in commands:
        assert clicheck.problems(line) == []
    # the dashboards run the production server (never --debug), the scheduler a real cron
    dashboards = compose["services"]["dashboards"]["command"]
    assert dashboards[:2] == ["harness", "dashboards"] and "--debug" not in dashboards
    scheduler = compose["services"]["scheduler"]
    assert "sleep" not in " ".join(scheduler["command"])
    script = ROOT / scheduler["command"][0].removeprefix("/opt/warehouse/")
    assert script.is_file() and os.access(script, os.X_OK)
    assert script.read_text().rstrip().splitlines()[-1] == "exec cron -f"
    assert scheduler["environment"]["TZ"] == "America/Sao_Paulo"
    # the scheduler keeps every setting the other services get
    assert set(compose["x-harness"]["environment"]) <= set(scheduler["environment"])


CRON_FIELD = re.compile(r"^(\*|\d+(-\d+)?(,\d+(-\d+)?)*)(/\d+)?$")


def test_docker_cron_schedule_runs_real_commands():
    """deploy/docker/crontab (cron.d format) is installed by the Dockerfile and schedules the same jobs
    as deploy/crontab.example, at the same times."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"apt-get install[^\n]*\bcron\b", dockerfile)
    assert "deploy/docker/crontab /etc/cron.d/harness" in dockerfile
    jobs = {}
    for line in (ROOT / "deploy" / "docker" / "crontab").read_text().splitlines():
        if not line.strip() or line.startswith("#") or re.match(r"^[A-Z_]+=", line):
            continue
        fields = line.split(None, 6)
        assert all(CRON_FIELD.match(f) for f in fields[:5]), line
        assert fields[5] == "root" and fields[6].startswith(". /run/harness.env;"), line
        for cmd in harness_invocations(fields[6]):
            assert clicheck.problems(cmd) == [], cmd
            jobs[cmd.split()[1]] = " ".join(fields[:5])
    example = {}
    for line in (ROOT / "deploy" / "crontab.example").read_text().splitlines():
        if line and not line.startswith("#") and not re.match(r"^[A-Z_]+=", line):
            for cmd in harness_invocations(line):
                example[cmd.split()[1]] = " ".join(line.split()[:5])
    assert {"load-daily", "smoke", "check-sla", "quality"} <= set(jobs)
    assert jobs["load-daily"] == example["load-daily"] and jobs["check-sla"] == example["check-sla"]
    assert jobs["quality"] == example["quality"]


def test_scheduler_hands_its_settings_to_the_cron_jobs(tmp_path):
    """cron starts jobs with an empty environment: the entry point writes the container's settings to a
    root-only file that a job's shell reads back intact (quotes and spaces included)."""
    script = (ROOT / "deploy" / "docker" / "scheduler.sh").read_text()
    envfile = tmp_path / "harness.env"
    probe = tmp_path / "scheduler.sh"
    probe.write_text(script.replace("/run/harness.env", str(envfile)).replace("exec cron -f", "true"))
    env = {"PATH": "/usr/bin:/bin", "WAREHOUSE_URL": "postgresql://u:it's s3cr$t@db:5432/postgres",
           "HARNESS_BI_PASSWORD": 'a "b" c', "TZ": "America/Sao_Paulo", "UNRELATED": "x"}
    subprocess.run(["sh", str(probe)], env=env, check=True)
    assert oct(envfile.stat().st_mode & 0o777) == "0o600"
    echo = subprocess.run(["sh", "-c", f'. {envfile}; printf "%s|%s|%s|%s" "$WAREHOUSE_URL" "$HARNESS_BI_PASSWORD" '
                                       '"$TZ" "${UNRELATED:-}"'], env={"PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, check=True).stdout
    assert echo == f"{env['WAREHOUSE_URL']}|{env['HARNESS_BI_PASSWORD']}|America/Sao_Paulo|"


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
