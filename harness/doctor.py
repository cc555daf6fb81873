"""`harness doctor`: is this installation healthy? One line per aspect: ok or a problem
with what to do about it. Read-only: it changes nothing (migrations are only dry-run)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from harness import db
from harness.config import ROLES, load_settings
from harness.errors import HarnessError, NotInstalled


@dataclass
class Line:
    aspect: str
    ok: bool
    detail: str
    fix: str = ""


def _configuration() -> Line:
    s = load_settings()
    where = f"embedded server, data in {s.pgdata}" if s.embedded else "external server from WAREHOUSE_URL"
    return Line("configuração", True, f"{where}; bancos {s.dw_db} e {s.oltp_db}"
                + ("; loja em OLTP_URL" if s.oltp_url else ""))


def _connectivity() -> Line:
    failures, not_installed = [], False
    for which, role in (("postgres", "admin"), ("dw", "etl"), ("dw", "bi"), ("oltp", "etl")):
        try:
            db.connect(which, role).close()
        except NotInstalled as exc:
            not_installed = True
            failures.append(f"{role}@{which}: {exc}")
        except HarnessError as exc:
            failures.append(f"{role}@{which}: {exc}")
    fix = ("harness migrate (o servidor responde, mas o warehouse não foi instalado nele)" if not_installed else
           "harness db start (embutido) ou conferir WAREHOUSE_URL e senhas HARNESS_*_PASSWORD")
    return Line("conectividade", not failures, "; ".join(failures) or "admin, etl_writer e bi_reader conectam", fix)


def _version() -> Line:
    with db.connect("postgres", "admin") as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
        num = conn.info.server_version
    return Line("versão do servidor", num >= db.MIN_SERVER_VERSION, f"PostgreSQL {version}", "usar PostgreSQL 17 ou mais novo")


def _pgtap() -> Line:
    from harness.pgtap import pgtap_sql_path

    try:
        return Line("pgTAP (testes)", True, pgtap_sql_path())
    except HarnessError as exc:
        return Line("pgTAP (testes)", False, str(exc), "apt-get install postgresql-15-pgtap")


def _roles_and_grants() -> Line:
    problems = []
    with db.connect("dw", "admin") as conn:
        for role in ROLES.values():
            if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
                problems.append(f"papel {role} não existe")
        if not problems:
            for schema in ("stg", "audit", "ctl", "dq", "etl"):
                if conn.execute("SELECT has_schema_privilege('bi_reader', %s, 'USAGE')", (schema,)).fetchone()[0]:
                    problems.append(f"bi_reader pode usar o schema {schema}")
            writable = conn.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') AND "
                "has_table_privilege('bi_reader', format('%I.%I', schemaname, tablename), 'INSERT,UPDATE,DELETE,TRUNCATE')"
            ).fetchone()[0]
            if writable:
                problems.append(f"bi_reader pode escrever em {writable} tabela(s)")
            rewritable = conn.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'audit' AND has_table_privilege("
                "'etl_writer', format('%I.%I', schemaname, tablename), 'UPDATE,DELETE,TRUNCATE')").fetchone()[0]
            if rewritable:
                problems.append(f"etl_writer pode alterar ou apagar {rewritable} tabela(s) de auditoria")
            settings = load_settings()
            others = ["postgres", "template1"] + ([] if settings.oltp_url else [settings.oltp_db])
            reachable = [r[0] for r in conn.execute(
                "SELECT datname FROM pg_database WHERE datname = ANY(%s) AND datallowconn "
                "AND has_database_privilege('bi_reader', datname, 'CONNECT') ORDER BY 1", (others,))]
            if reachable:
                problems.append(f"bi_reader pode conectar em {', '.join(reachable)}")
    return Line("papéis e permissões", not problems,
                "; ".join(problems) or "dw_owner, etl_writer, bi_reader; bi_reader só lê; auditoria só recebe inserções",
                "harness migrate recria papéis e acessos; revogar permissões indevidas")


def _alert_channels() -> Line:
    from harness import alerts

    try:
        found = alerts.channels()
    except HarnessError as exc:
        return Line("canais de alerta", False, str(exc), "corrigir HARNESS_ALERT_URLS (URLs apprise separadas por espaço)")
    if not found:
        return Line("canais de alerta", True, "nenhum canal em HARNESS_ALERT_URLS: falhas só ficam no log e na auditoria")
    return Line("canais de alerta", True, ", ".join(c.label for c in found))


def _migrations() -> Line:
    from harness import migrate

    try:
        report = migrate.migrate(dry_run=True)
    except migrate.MigrationHistoryError as exc:
        return Line("migrações", False, str(exc), "restaurar os arquivos aplicados; ver docs/runbook.md#migracao-falha-em-producao")
    pending = [s.name for s in report.pending] + report.created_databases + report.created_roles
    return Line("migrações", not pending, "em dia" if not pending else f"pendentes: {', '.join(pending[:5])}",
                "harness migrate")


def _last_run() -> Line:
    with db.connect("dw", "etl") as conn:
        row = conn.execute("SELECT run_id, status, started_at, error_message FROM audit.etl_run "
                           "WHERE command = 'load-daily' ORDER BY run_id DESC LIMIT 1").fetchone()
    if not row:
        return Line("última carga", False, "nenhuma execução de load-daily ainda", "harness load-daily")
    from harness.sla import sla_settings

    started = row[2].astimezone(sla_settings()[1])  # the SLA's time zone, as the SLA line speaks
    return Line("última carga", row[1] == "succeeded", f"run {row[0]} {row[1]} em {started:%d/%m/%Y %H:%M}"
                + (f": {row[3]}" if row[3] else ""), "ver docs/runbook.md#carga-falhou")


def _sla() -> Line:
    from harness import sla

    result = sla.evaluate()
    return Line("SLA", result.ok, result.message, "ver docs/runbook.md#sla-nao-cumprido")


CHECKS: tuple[Callable[[], Line], ...] = (_configuration, _connectivity, _version, _pgtap, _roles_and_grants,
                                           _migrations, _alert_channels, _last_run, _sla)


def diagnose() -> list[Line]:
    lines = []
    for check in CHECKS:
        try:
            lines.append(check())
        except NotInstalled as exc:
            lines.append(Line(check.__name__.strip("_"), False, str(exc), "harness migrate"))
        except HarnessError as exc:
            lines.append(Line(check.__name__.strip("_"), False, str(exc), "ver docs/runbook.md"))
    return lines
