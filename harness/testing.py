"""`harness test`: pytest over tests/ and database/tests/, on a server of its own.

The tests never touch a developer's warehouse: they run on a separate embedded server
(`$HARNESS_HOME/../.warehouse-test` unless HARNESS_TEST_HOME says otherwise), in
databases named after the test session, dropped at the end.
"""

from __future__ import annotations

import os

from harness.paths import project_dir
from harness.pgtap import pgtap_sql_path


def run_tests(pytest_args: list[str]) -> int:
    import pytest

    pgtap_sql_path()  # fail now, naming the Debian package, rather than in every pgTAP test
    root = project_dir()
    os.environ.setdefault("HARNESS_TEST_HOME", str(root / ".warehouse-test"))
    args = pytest_args or []
    if not any(not a.startswith("-") for a in args):
        args = [str(root / "tests"), str(root / "database" / "tests"), "--pgtap-required", *args]
    return int(pytest.main(["--rootdir", str(root), *args]))
