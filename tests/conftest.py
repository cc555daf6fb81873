"""Fixtures shared by the Python tests (the database fixtures are in the root conftest.py)."""

from __future__ import annotations

import pytest

from harness import db
from tests import shopdata


@pytest.fixture
def shop(fresh_dbs):
    """Private databases with the small hand-made shop of tests/shopdata.py, not yet loaded."""
    with db.connect("oltp", "owner") as conn:
        shopdata.fill(conn)
    return fresh_dbs
