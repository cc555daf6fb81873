"""PROVISIONAL (dashboards branch): the metric catalog loader; work-mart's version replaces it."""

from __future__ import annotations

from pathlib import Path

import yaml

from harness.errors import ConfigError

CATALOG = Path(__file__).resolve().parent.parent / "metrics" / "catalog.yaml"


def load_catalog(path: Path | None = None) -> list[dict]:
    """Every metric of the catalog as a dict (id, nome, definicao, formula, unidade, fonte, grao)."""
    path = path or CATALOG
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as err:
        raise ConfigError(f"metric catalog {path} unreadable: {err}") from err
    return list(data.get("metricas", []))
