"""Exceptions the CLI maps to exit codes and one-line messages.

Exit codes are part of the scheduler contract (documented in docs/runbook.md):
0 success, 1 failure, 2 usage/configuration, 3 quality gate blocked the run,
4 another run holds the lock, 5 database unreachable.
"""


class HarnessError(Exception):
    """An expected failure with a message meant for the operator."""

    exit_code = 1


class ConfigError(HarnessError):
    exit_code = 2


class NotInstalled(ConfigError):
    """The server answers but the warehouse's roles or databases are not there (never migrated)."""


class QualityGateFailed(HarnessError):
    exit_code = 3


class AlreadyRunning(HarnessError):
    exit_code = 4


class DatabaseUnavailable(HarnessError):
    exit_code = 5


class MigrationError(HarnessError):
    exit_code = 1
