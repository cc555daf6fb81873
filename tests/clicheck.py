"""Checks that a `harness ...` command line names a real command and real options."""

from __future__ import annotations

import shlex

import typer.main

from harness.cli import app


def resolve(words: list[str]):
    cmd = typer.main.get_command(app)
    consumed = 0
    while hasattr(cmd, "commands") and consumed < len(words) and words[consumed] in cmd.commands:
        cmd = cmd.commands[words[consumed]]
        consumed += 1
    return cmd, words[consumed:]


def problems(line: str) -> list[str]:
    """Why `line` (starting with 'harness') is not a valid invocation; [] when it is."""
    words = shlex.split(line)
    assert words[0].endswith("harness"), line
    cmd, rest = resolve(words[1:])
    if hasattr(cmd, "commands"):
        return [f"`{line}` is not a complete command"]
    if cmd.name == "psql":  # its extra arguments go to psql
        rest = [w for w in rest if w in ("-d", "--database", "-r", "--role")]
    options = {o for p in cmd.params for o in getattr(p, "opts", [])}
    return [f"`{line}`: {w} is not an option of harness {cmd.name}"
            for w in rest if w.startswith("-") and w.split("=")[0] not in options]
