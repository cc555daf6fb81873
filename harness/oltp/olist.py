"""`harness oltp import-olist DIR`: the Olist CSV layout into the shop schema.

Mapping and every rule (time zone, date detection, duplicates, thresholds, rounding, vouchers):
docs/olist-mapping.md. Three phases, and nothing is written unless all of them pass:
1. find the files: DIR's standard names or `--file KIND=PATH`; a missing file is refused unless
   `--allow-missing` names it (products, sellers and customers then become placeholders);
2. read and check every file (csv module: BOM, CRLF, quoted fields, extra columns), detect the
   purchase timestamps' format per file, drop duplicated rows, skip unusable rows with their
   reason, count orphans. A structural fault, a file with more unusable rows than
   `max_bad_share` or more orphans than `max_orphan_share` is a HarnessError;
3. write everything in ONE transaction: rows are COPYed into temporary tables, then upserted
   (INSERT ... ON CONFLICT DO UPDATE ... WHERE the row differs), so importing the same files
   twice changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from zoneinfo import ZoneInfo

from psycopg import sql

from harness import db
from harness.errors import HarnessError
from harness.oltp import reference as ref
from harness.oltp.shopdb import SHOP_TABLES

SHOP_TZ = ZoneInfo("America/Sao_Paulo")  # Olist times are wall-clock times there, summer time included
VOUCHER_CAMPAIGN = "Voucher Olist"
CANCELED = ("canceled", "unavailable")
UNKNOWN_CATEGORY = "Não informado"
CENT = Decimal("0.01")
MAX_MONEY = Decimal("9999999999.99")  # numeric(12,2) of the shop's money columns
DEFAULT_MAX_BAD_SHARE = 0.05
DEFAULT_MAX_ORPHAN_SHARE = 0.01
DATE_ORDERS = ("auto", "mdy", "dmy")


@dataclass(frozen=True)
class Spec:
    name: str                          # the file's name in the Olist layout
    required: tuple[str, ...]          # columns the header must have
    optional: tuple[str, ...]          # columns read when present (empty otherwise)
    key: tuple[str, ...]               # what identifies a row (duplicates, conflicts)
    evidence: tuple[str, ...] = ()     # more timestamp columns: evidence for the date format only

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


SPECS = {
    "customers": Spec("olist_customers_dataset.csv", ("customer_id",),
                      ("customer_unique_id", "customer_zip_code_prefix", "customer_city", "customer_state"),
                      ("customer_id",)),
    "orders": Spec("olist_orders_dataset.csv", ("order_id", "customer_id", "order_status", "order_purchase_timestamp"),
                   (), ("order_id",),
                   ("order_approved_at", "order_delivered_carrier_date", "order_delivered_customer_date",
                    "order_estimated_delivery_date")),
    "order_items": Spec("olist_order_items_dataset.csv", ("order_id", "order_item_id", "product_id", "seller_id", "price"),
                        ("freight_value", "shipping_limit_date"), ("order_id", "order_item_id")),
    "payments": Spec("olist_order_payments_dataset.csv", ("order_id", "payment_type", "payment_value"),
                     ("payment_sequential", "payment_installments"), ("order_id", "payment_sequential")),
    "products": Spec("olist_products_dataset.csv", ("product_id",), ("product_category_name",), ("product_id",)),
    "sellers": Spec("olist_sellers_dataset.csv", ("seller_id",), ("seller_zip_code_prefix", "seller_city", "seller_state"),
                    ("seller_id",)),
    "category_translation": Spec("product_category_name_translation.csv",
                                 ("product_category_name", "product_category_name_english"), (),
                                 ("product_category_name",)),
}
KINDS = tuple(SPECS)
ALWAYS_REQUIRED = ("orders", "order_items")
OPTIONAL_FILES = ("category_translation",)  # missing: a note, no flag needed


# ------------------------------------------------------------------ reports
@dataclass
class FileReport:
    kind: str
    path: Path | None = None
    encoding: str | None = None
    date_format: str | None = None
    read: int = 0                                           # data records in the file
    duplicates: int = 0                                     # identical rows dropped (one copy kept)
    skipped: Counter = field(default_factory=Counter)       # unusable rows by reason (the bad share)
    not_used: Counter = field(default_factory=Counter)      # rows not needed by design, by reason
    examples: dict = field(default_factory=dict)            # reason -> (line, value) of its first row
    imported: int = 0                                       # rows that fed the shop
    placeholders: int = 0                                   # rows built for a missing file
    orphans: Counter = field(default_factory=Counter)       # orphan kind -> rows
    orphan_base: dict = field(default_factory=dict)         # orphan kind -> rows it is a share of

    def skip(self, reason: str, rec: dict, value: str = "") -> None:
        self.skipped[reason] += 1
        self.examples.setdefault(reason, (rec["_line"], value))

    @property
    def bad(self) -> int:
        return sum(self.skipped.values())


@dataclass
class TableReport:
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ImportReport:
    directory: Path
    files: dict[str, FileReport] = field(default_factory=dict)
    tables: dict[str, TableReport] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def table(self, name: str) -> TableReport:
        return self.tables.setdefault(name, TableReport())


# ------------------------------------------------------------------ finding the files
def parse_file_options(items: list[str] | None) -> dict[str, str]:
    """`KIND=PATH` strings into {kind: path}; a HarnessError names a bad one."""
    out: dict[str, str] = {}
    for item in items or []:
        kind, sep, path = item.partition("=")
        kind = kind.strip().lower()
        if not sep or not path.strip():
            raise HarnessError(f"--file {item!r}: expected KIND=PATH (KIND one of {', '.join(KINDS)})")
        if kind not in SPECS:
            raise HarnessError(f"--file {item!r}: unknown kind {kind!r} (one of {', '.join(KINDS)})")
        if kind in out:
            raise HarnessError(f"--file {kind}= given twice")
        out[kind] = path.strip()
    return out


def parse_kinds(items: list[str] | None) -> set[str]:
    """`--allow-missing` values (repeatable, comma-separated) into a set of kinds."""
    kinds = {k.strip().lower() for item in items or [] for k in item.split(",") if k.strip()}
    unknown = sorted(kinds - set(SPECS))
    if unknown:
        raise HarnessError(f"--allow-missing: unknown kind(s) {', '.join(unknown)} (one of {', '.join(KINDS)})")
    never = sorted(kinds & set(ALWAYS_REQUIRED))
    if never:
        raise HarnessError(f"--allow-missing {', '.join(never)}: orders and order_items are always required")
    return kinds


def locate(directory: Path, files: dict[str, str], allow_missing: set[str]) -> dict[str, Path | None]:
    """The path of every kind, None for a missing file that may be missing."""
    if not directory.is_dir():
        raise HarnessError(f"{directory} is not a directory")
    found: dict[str, Path | None] = {}
    missing, not_found = [], []
    for kind, spec in SPECS.items():
        if kind in files:
            given = Path(files[kind]).expanduser()
            candidates = [given] if given.is_absolute() else [given, directory / given]
            path = next((c for c in candidates if c.is_file()), None)
            if path is None:
                not_found.append(f"--file {kind}={files[kind]} (looked for {' and '.join(map(str, candidates))})")
            found[kind] = path
            continue
        path = directory / spec.name
        if path.is_file():
            found[kind] = path
        elif kind in allow_missing or kind in OPTIONAL_FILES:
            found[kind] = None
        else:
            missing.append(kind)
    if not_found:
        raise HarnessError(f"file(s) not found: {'; '.join(not_found)}; nothing was written")
    if missing:
        names = ", ".join(f"{SPECS[k].name} ({k})" for k in missing)
        may = [k for k in missing if k not in ALWAYS_REQUIRED]
        hint = ["--file KIND=PATH if a file has another name"]
        if may:
            hint.insert(0, f"--allow-missing {','.join(may)} to import without "
                           f"{'it' if len(may) == 1 else 'them'} (docs/olist-mapping.md)")
        raise HarnessError(f"{directory}: required file(s) missing: {names}; pass {' or '.join(hint)}; "
                           "nothing was written")
    return found


# ------------------------------------------------------------------ reading
def decode(raw: bytes) -> tuple[str, str]:
    """Text of a CSV file: UTF-8 (a BOM dropped), else Latin-1."""
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        if raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        return raw.decode("latin-1"), "latin-1"


def read_csv(path: Path, spec: Spec) -> tuple[list[dict], str, list[str]]:
    """Every record of a file as a dict of the spec's columns (+ `_line`, the record's first line);
    a HarnessError names the file and line of any structural fault."""
    try:
        text, encoding = decode(path.read_bytes())
    except OSError as exc:
        raise HarnessError(f"{path}: cannot read ({exc.strerror})") from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise HarnessError(f"{path}: empty file (no header)")
        header = [h.strip().lower() for h in header]
        missing = [c for c in spec.required if c not in header]
        if missing:
            raise HarnessError(f"{path}: header lacks required column(s) {', '.join(missing)} "
                               f"(found: {', '.join(header)})")
        repeated = sorted({c for c in header if c in spec.columns + spec.evidence and header.count(c) > 1})
        if repeated:
            raise HarnessError(f"{path}: header repeats column(s) {', '.join(repeated)}")
        wanted = [(i, c) for i, c in enumerate(header) if c in spec.columns + spec.evidence]
        records = []
        end = reader.line_num
        for fields in reader:
            start, end = end + 1, reader.line_num  # a quoted field may span lines: the record's first line
            if not fields or fields == [""]:
                continue  # a blank line
            if len(fields) != len(header):
                raise HarnessError(f"{path}, line {start}: {len(fields)} fields where the header has "
                                   f"{len(header)} (truncated or malformed line)")
            rec = {c: fields[i].strip() for i, c in wanted}
            rec["_line"] = start
            records.append(rec)
    except csv.Error as exc:
        raise HarnessError(f"{path}, line {reader.line_num}: malformed CSV ({exc})") from None
    for rec in records:
        for column in spec.columns + spec.evidence:
            rec.setdefault(column, "")
    return records, encoding, header


def dedupe(records: list[dict], spec: Spec, header: list[str], report: FileReport) -> list[dict]:
    """One record per key. Rows equal in every column read are duplicates (one kept, counted);
    rows of one key that differ conflict: none is kept (reason `conflicting rows for one key`).
    A file without one of the key's columns is keyed by every column read."""
    key_cols = spec.key if all(k in header for k in spec.key) else spec.columns
    must = [k for k in key_cols if k in spec.required]
    groups: dict[tuple, list[dict]] = {}
    for rec in records:
        report.read += 1
        key = tuple(rec[c] for c in key_cols)
        if not all(rec[c] for c in must):
            report.skip("missing key", rec, ", ".join(f"{c}={rec[c]!r}" for c in must))
            continue
        groups.setdefault(key, []).append(rec)
    kept = []
    for key, recs in groups.items():
        content = {tuple(r[c] for c in spec.columns) for r in recs}
        if len(content) == 1:
            kept.append(recs[0])
            report.duplicates += len(recs) - 1
        else:
            for rec in recs:
                report.skip("conflicting rows for one key", rec,
                            f"{'/'.join(key)} on lines {', '.join(str(r['_line']) for r in recs)}")
    kept.sort(key=lambda r: r["_line"])
    return kept


# ------------------------------------------------------------------ values
def money(text: str) -> Decimal | None:
    """An amount: `1234.5` or `1234,5` (no thousands separator), 0 to the shop's maximum, in cents
    rounded half up; None when it is not one."""
    if not text or ("," in text and "." in text):
        return None
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None
    if not value.is_finite() or value < 0:
        return None
    value = value.quantize(CENT, rounding=ROUND_HALF_UP)
    return value if value <= MAX_MONEY else None


_ISO = re.compile(r"\d{4}-\d{1,2}-\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?")
_SLASH = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp][Mm])?)?")
_ISO_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f")
_SLASH_TIMES = ("", " %H:%M", " %H:%M:%S", " %I:%M %p", " %I:%M:%S %p")


@dataclass(frozen=True)
class DateFormat:
    name: str          # iso | m/d/yyyy | d/m/yyyy
    how: str           # why this one (the deciding line), for the report

    def parse(self, text: str) -> dt.datetime | None:
        """A naive wall-clock datetime, or None when the text is not in this format."""
        text = " ".join(text.split())
        if self.name == "iso":
            if not _ISO.fullmatch(text):
                return None
            text, formats = text.replace("T", " "), _ISO_FORMATS
        else:
            if not _SLASH.fullmatch(text):
                return None
            day_month = "%m/%d/%Y" if self.name == "m/d/yyyy" else "%d/%m/%Y"
            text = re.sub(r"(\d)([AP]M)$", r"\1 \2", text.upper())
            formats = [day_month + time for time in _SLASH_TIMES]
        for fmt in formats:
            try:
                return dt.datetime.strptime(text, fmt)
            except ValueError:
                continue
        return None


def detect_date_format(path: Path, records: list[dict], column: str, evidence: tuple[str, ...],
                       date_order: str = "auto") -> DateFormat:
    """The format of a file's timestamps, decided from its values (docs/olist-mapping.md):
    ISO when most values of `column` look ISO, else day/month/year with slashes, whose order
    a value proves (first field > 12: d/m; second field > 12: m/d), from `column` and the
    `evidence` columns. Both proofs in one file, or none (every value has day and month <= 12),
    is a HarnessError naming the file, line and value, unless `date_order` says mdy or dmy."""
    iso = slash = 0
    first_value = None
    for rec in records:
        text = " ".join(rec[column].split())
        if not text:
            continue
        first_value = first_value or (rec["_line"], rec[column])
        if _ISO.fullmatch(text):
            iso += 1
        elif _SLASH.fullmatch(text):
            slash += 1
    if iso >= slash:
        return DateFormat("iso", "yyyy-mm-dd HH:MM[:SS]")
    if date_order != "auto":
        name = "m/d/yyyy" if date_order == "mdy" else "d/m/yyyy"
        return DateFormat(name, f"--date-order {date_order}")
    dmy = mdy = None
    for rec in records:
        for col in (column,) + evidence:
            m = _SLASH.fullmatch(" ".join(rec[col].split()))
            if not m:
                continue
            a, b = int(m.group(1)), int(m.group(2))
            if a > 12 and b <= 12 and dmy is None:
                dmy = (rec["_line"], col, rec[col])
            elif b > 12 and a <= 12 and mdy is None:
                mdy = (rec["_line"], col, rec[col])
        if dmy and mdy:
            break
    if dmy and mdy:
        raise HarnessError(
            f"{path}: contradictory dates: line {dmy[0]} {dmy[1]} {dmy[2]!r} is day/month, line {mdy[0]} "
            f"{mdy[1]} {mdy[2]!r} is month/day; fix the file (nothing was written)")
    if not dmy and not mdy:
        line, value = first_value
        raise HarnessError(
            f"{path}: ambiguous dates: no value has a day above 12 (e.g. line {line}: {value!r}), so "
            "m/d/yyyy cannot be told from d/m/yyyy; pass --date-order mdy or --date-order dmy (nothing was written)")
    if mdy:
        return DateFormat("m/d/yyyy", f"line {mdy[0]} {mdy[1]} {mdy[2]!r}")
    return DateFormat("d/m/yyyy", f"line {dmy[0]} {dmy[1]} {dmy[2]!r}")


def local_time(naive: dt.datetime) -> dt.datetime:
    """The wall-clock time in America/Sao_Paulo as an aware datetime (the repeated hour at the end
    of summer time is read as its first occurrence; a time skipped at its start as standard time:
    both keep the written date)."""
    return naive.replace(tzinfo=SHOP_TZ)


def cost_factor(product_id: str) -> Decimal:
    """Deterministic cost share of the price, 0.55 to 0.75, from the product id."""
    spread = int(hashlib.md5(product_id.encode()).hexdigest()[:8], 16) % 2001  # 0..2000
    return Decimal("0.55") + Decimal(spread) / Decimal(10000)


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def uf(text: str) -> str | None:
    text = text.upper()
    return text if text in ref.STATES else None


def allocate(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """`total` split over `weights` in proportion, in cents, shares adding up exactly to `total`
    (largest remainder: each share's floor, then one more cent to the largest remainders, ties to
    the earlier weight). Integer arithmetic: no rounding mode involved."""
    units = int(total / CENT)
    w = [int(x / CENT) for x in weights]
    whole = sum(w)
    if units <= 0 or whole <= 0:
        return [Decimal(0).quantize(CENT)] * len(w)
    floors = [units * x // whole for x in w]
    remainders = [units * x % whole for x in w]
    left = units - sum(floors)
    for i in sorted(range(len(w)), key=lambda i: (-remainders[i], i))[:left]:
        floors[i] += 1
    return [Decimal(f) * CENT for f in floors]


def round_to_ten(value: Decimal) -> Decimal:
    """Rounded to R$ 10, half up (165 -> 170, 164.99 -> 160)."""
    return value.quantize(Decimal("1E1"), rounding=ROUND_HALF_UP).quantize(CENT)


# ------------------------------------------------------------------ checking
@dataclass
class Extract:
    """The usable records of every kind, after duplicates and unusable rows are out."""
    records: dict[str, list[dict]]
    present: dict[str, bool]
    when: dict[str, dt.datetime]            # order_id -> aware purchase time


def read_extract(paths: dict[str, Path | None], report: ImportReport, date_order: str) -> Extract:
    records: dict[str, list[dict]] = {}
    for kind, spec in SPECS.items():
        fr = report.files.setdefault(kind, FileReport(kind, paths[kind]))
        if paths[kind] is None:
            records[kind] = []
            continue
        rows, fr.encoding, header = read_csv(paths[kind], spec)
        records[kind] = dedupe(rows, spec, header, fr)

    # orders: the purchase timestamp, in the file's format
    fr = report.files["orders"]
    fmt = detect_date_format(paths["orders"], records["orders"], "order_purchase_timestamp",
                             SPECS["orders"].evidence, date_order)
    fr.date_format = f"{fmt.name} ({fmt.how})"
    when, orders = {}, []
    for rec in records["orders"]:
        naive = fmt.parse(rec["order_purchase_timestamp"])
        if naive is None:
            fr.skip("bad purchase timestamp", rec, rec["order_purchase_timestamp"])
            continue
        when[rec["order_id"]] = local_time(naive)
        orders.append(rec)
    records["orders"] = orders

    fr, lines = report.files["order_items"], []
    for rec in records["order_items"]:
        if not re.fullmatch(r"[0-9]{1,9}", rec["order_item_id"]) or int(rec["order_item_id"]) == 0:
            fr.skip("bad order_item_id", rec, rec["order_item_id"])
        elif money(rec["price"]) is None:
            fr.skip("bad price", rec, rec["price"])
        elif rec["freight_value"] and money(rec["freight_value"]) is None:
            fr.skip("bad freight_value", rec, rec["freight_value"])
        else:
            lines.append(rec)
    records["order_items"] = lines

    fr, payments = report.files["payments"], []
    for rec in records["payments"]:
        if rec["payment_type"] != "voucher":
            fr.not_used["not a voucher (only vouchers are stored, as discounts)"] += 1
        elif money(rec["payment_value"]) is None:
            fr.skip("bad payment_value", rec, rec["payment_value"])
        else:
            payments.append(rec)
    records["payments"] = payments
    fr = report.files["category_translation"]
    if fr.read:
        fr.not_used["reference only: categories are kept in Portuguese"] = len(records["category_translation"])
    return Extract(records, {k: p is not None for k, p in paths.items()}, when)


def check_bad_shares(report: ImportReport, max_bad_share: float) -> None:
    """Refuse when a file has more unusable rows than allowed, or no usable order or line."""
    problems = []
    for kind in SPECS:
        fr = report.files[kind]
        if fr.read and fr.bad / fr.read > max_bad_share:
            reasons = "; ".join(f"{reason}: {n:,} (first: line {fr.examples[reason][0]}, "
                                f"value {fr.examples[reason][1]!r})" for reason, n in fr.skipped.most_common())
            problems.append(f"{fr.path}: {fr.bad:,} of {fr.read:,} rows ({fr.bad / fr.read:.1%}) cannot be used, "
                            f"more than {max_bad_share:.1%} (--max-bad-share): {reasons}")
    for kind in ALWAYS_REQUIRED:
        fr = report.files[kind]
        if fr.read == 0:
            problems.append(f"{fr.path}: no rows")
    if problems:
        raise HarnessError("import refused, nothing was written: " + " | ".join(problems))


def count_orphans(ex: Extract, report: ImportReport) -> None:
    """Orphan references, per kind, in the report of the file they are counted in. A reference to
    a file that is missing (allowed) is not an orphan: placeholders stand in for that file."""
    recs = ex.records
    orders = {r["order_id"] for r in recs["orders"]}
    checks = [("lines without their order", "order_items", "order_id", orders)]
    if ex.present["products"]:
        checks.append(("lines without their product", "order_items", "product_id",
                       {r["product_id"] for r in recs["products"]}))
    if ex.present["sellers"]:
        checks.append(("lines without their seller", "order_items", "seller_id", {r["seller_id"] for r in recs["sellers"]}))
    if ex.present["customers"]:
        checks.append(("orders without their customer", "orders", "customer_id",
                       {r["customer_id"] for r in recs["customers"]}))
    if ex.present["payments"]:
        checks.append(("vouchers without their order", "payments", "order_id", orders))
    for name, kind, column, known in checks:
        fr = report.files[kind]
        rows = recs[kind]
        fr.orphan_base[name] = len(rows)
        n = sum(1 for r in rows if r[column] and r[column] not in known)
        if n:
            fr.orphans[name] = n


NOT_WRITTEN_ORPHANS = ("vouchers without their order",)  # skipped: nothing of them reaches the shop


def check_orphans(report: ImportReport, max_orphan_share: float, accept_orphans: bool) -> None:
    """Any orphan is a warning; above the share a refusal, unless accepted (orphans that are not
    written, vouchers without their order, only warn)."""
    over = []
    for fr in report.files.values():
        for name, n in fr.orphans.items():
            base = fr.orphan_base[name]
            share = n / base if base else 0
            line = f"{n:,} {name} ({share:.1%} of {base:,} in {fr.path.name if fr.path else fr.kind})"
            report.warnings.append(line + (", skipped" if name in NOT_WRITTEN_ORPHANS else ""))
            if share > max_orphan_share and name not in NOT_WRITTEN_ORPHANS:
                over.append(line)
    if over and not accept_orphans:
        raise HarnessError(
            "import refused, nothing was written: orphans above "
            f"{max_orphan_share:.1%} (--max-orphan-share): {'; '.join(over)}. The files do not belong to one "
            "extract (an orders file lacking most orders?); re-export them, or pass --accept-orphans to import "
            "anyway (orphan lines are kept and the warehouse rejects them)")
    if over:
        report.warnings.append("orphans above the threshold accepted (--accept-orphans)")


# ------------------------------------------------------------------ mapping
def build(ex: Extract, report: ImportReport) -> dict[str, tuple[tuple[str, ...], list[tuple]]]:
    """The shop rows of every table, from the usable records."""
    recs, files = ex.records, report.files
    out: dict[str, tuple[tuple[str, ...], list[tuple]]] = {}
    region_of = {s: r for s, (_, r, _, _) in ref.STATES.items()}

    out["regions"] = (("region_id", "name"), list(ref.REGIONS.items()))
    out["states"] = (("state", "name", "region_id", "population"),
                     [(s, n, r, p) for s, (n, r, p, _) in ref.STATES.items()])
    out["teams"] = (("team_id", "name", "region_id"),
                    [(f"T{r}", ref.region_team_name(r), r) for r in ref.REGIONS])

    lines = sorted(recs["order_items"], key=lambda r: (r["order_id"], int(r["order_item_id"])))
    files["order_items"].imported = len(lines)
    orders = {r["order_id"]: r for r in recs["orders"]}
    files["orders"].imported = len(orders)

    sellers = []
    if ex.present["sellers"]:
        for rec in recs["sellers"]:
            state = uf(rec["seller_state"])
            sellers.append((rec["seller_id"], f"Vendedor {rec['seller_id'][:8]}",
                            f"T{region_of[state]}" if state else None, rec["seller_city"] or None, state))
        files["sellers"].imported = len(sellers)
    else:  # placeholders: the sellers the lines name
        for sid in sorted({r["seller_id"] for r in lines if r["seller_id"]}):
            sellers.append((sid, f"Vendedor {sid[:8]}", None, None, None))
        files["sellers"].placeholders = len(sellers)
    out["sellers"] = (("seller_id", "name", "team_id", "city", "state"), sellers)

    customers = []
    if ex.present["customers"]:
        for rec in recs["customers"]:
            customers.append((rec["customer_id"], rec["customer_unique_id"] or None,
                              f"Cliente {rec['customer_id'][:8]}", rec["customer_city"] or None,
                              uf(rec["customer_state"]), "varejo"))
        files["customers"].imported = len(customers)
    else:  # placeholders: the customers the orders name; person, city and state unknown
        for cid in sorted({r["customer_id"] for r in orders.values() if r["customer_id"]}):
            customers.append((cid, None, f"Cliente {cid[:8]}", None, None, "varejo"))
        files["customers"].placeholders = len(customers)
    out["customers"] = (("customer_id", "customer_unique_id", "name", "city", "state", "segment"), customers)

    prices = defaultdict(list)
    for rec in lines:
        prices[rec["product_id"]].append(money(rec["price"]))
    if ex.present["products"]:
        categories = [(r["product_id"], r["product_category_name"] or None) for r in recs["products"]]
        files["products"].imported = len(categories)
    else:  # placeholders: the products the lines name
        categories = [(pid, UNKNOWN_CATEGORY) for pid in sorted({r["product_id"] for r in lines if r["product_id"]})]
        files["products"].placeholders = len(categories)
    products = []
    for pid, category in categories:
        list_price = cents(statistics.median(prices[pid])) if prices.get(pid) else None
        cost = cents(list_price * cost_factor(pid)) if list_price is not None else None
        products.append((pid, f"{(category or 'produto').replace('_', ' ')} {pid[:8]}", category, None, list_price, cost))
    out["products"] = (("product_id", "name", "category", "subcategory", "list_price", "unit_cost"), products)

    # vouchers -> one discount per order, split over its lines
    vouchers = defaultdict(Decimal)
    for rec in recs["payments"]:
        if rec["order_id"] in orders:
            vouchers[rec["order_id"]] += money(rec["payment_value"])
            files["payments"].imported += 1
    discounts, discount_of = [], {}
    for oid in sorted(vouchers):
        did, day = f"V{oid}", ex.when[oid].date()
        discount_of[oid] = did
        discounts.append((did, f"VOUCHER-{oid[:8].upper()}", VOUCHER_CAMPAIGN, "fixed", vouchers[oid], day, day,
                          vouchers[oid]))
    out["discounts"] = (("discount_id", "code", "campaign", "kind", "value", "valid_from", "valid_to", "campaign_cost"),
                        discounts)

    by_order = defaultdict(list)
    for rec in lines:
        by_order[rec["order_id"]].append(rec)
    first_seller = {oid: (ls[0]["seller_id"] or None) for oid, ls in by_order.items()}
    out["orders"] = (("order_id", "customer_id", "seller_id", "status", "ordered_at", "discount_id"),
                     [(oid, r["customer_id"] or None, first_seller.get(oid), r["order_status"] or "created",
                       ex.when[oid], discount_of.get(oid)) for oid, r in orders.items()])

    items = []
    revenue = defaultdict(Decimal)  # (seller, month) -> net sales of orders not canceled
    for oid, order_lines in by_order.items():
        line_prices = [money(r["price"]) for r in order_lines]
        voucher = min(vouchers.get(oid, Decimal(0)), sum(line_prices, Decimal(0)))
        shares = allocate(voucher, line_prices)
        order = orders.get(oid)
        for rec, price, discount in zip(order_lines, line_prices, shares):
            pid = rec["product_id"]
            unit_cost = cents(price * cost_factor(pid)) if pid else None
            items.append((f"{oid}-{rec['order_item_id']}", oid, int(rec["order_item_id"]), pid or None,
                          rec["seller_id"] or None, 1, price, unit_cost, discount, money(rec["freight_value"]) or 0))
            if order and rec["seller_id"] and order["order_status"] not in CANCELED:
                month = ex.when[oid].date().replace(day=1)
                revenue[(rec["seller_id"], month)] += price - discount
    out["order_items"] = (("order_item_id", "order_id", "line_number", "product_id", "seller_id", "quantity",
                           "unit_price", "unit_cost", "discount_amount", "freight_value"), items)
    out["sales_targets"] = (("seller_id", "month", "target_amount"), sales_targets(revenue))
    return out


def _add_months(month: dt.date, n: int) -> dt.date:
    y, m = divmod(month.month - 1 + n, 12)
    return dt.date(month.year + y, m + 1, 1)


def sales_targets(revenue: dict[tuple[str, dt.date], Decimal]) -> list[tuple]:
    """Target of a seller for month M (from the month after its first sale to the last month of
    the data) = 1.1 x its average monthly net sales over M-3..M-1 (months before its first sale
    not counted), rounded to R$ 10 half up, at least R$ 100; no target when that average is 0."""
    if not revenue:
        return []
    last = max(m for _, m in revenue)
    first_of = {}
    for seller, month in revenue:
        first_of[seller] = min(first_of.get(seller, month), month)
    rows = []
    for seller in sorted(first_of):
        month = _add_months(first_of[seller], 1)
        while month <= last:
            window = [_add_months(month, -k) for k in (1, 2, 3)]
            window = [w for w in window if w >= first_of[seller]]
            average = sum((revenue.get((seller, w), Decimal(0)) for w in window), Decimal(0)) / len(window)
            if average > 0:
                rows.append((seller, month, max(Decimal(100).quantize(CENT), round_to_ten(average * Decimal("1.1")))))
            month = _add_months(month, 1)
    return rows


# ------------------------------------------------------------------ writing
def upsert(conn, table: str, columns: tuple[str, ...], rows: list[tuple], report: TableReport) -> None:
    key = SHOP_TABLES[table]
    stage = f"olist_{table}"
    report.rows = len(rows)
    conn.execute(sql.SQL("CREATE TEMP TABLE {} (LIKE shop.{} INCLUDING DEFAULTS) ON COMMIT DROP").format(
        sql.Identifier(stage), sql.Identifier(table)))
    with conn.cursor() as cur:
        stmt = sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(stage),
                                                         sql.SQL(", ").join(map(sql.Identifier, columns)))
        with cur.copy(stmt) as copy:
            for row in rows:
                copy.write_row(row)
    cols = sql.SQL(", ").join(map(sql.Identifier, columns))
    others = [c for c in columns if c not in key]
    query = sql.SQL(
        "INSERT INTO shop.{t} AS t ({cols}) SELECT {cols} FROM {s} "
        "ON CONFLICT ({key}) DO UPDATE SET {sets} WHERE ({tcols}) IS DISTINCT FROM ({ecols}) "
        "RETURNING (xmax = 0)").format(
        t=sql.Identifier(table), cols=cols, s=sql.Identifier(stage),
        key=sql.SQL(", ").join(map(sql.Identifier, key)),
        sets=sql.SQL(", ").join(sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(c)) for c in others),
        tcols=sql.SQL(", ").join(sql.SQL("t.{}").format(sql.Identifier(c)) for c in others),
        ecols=sql.SQL(", ").join(sql.SQL("EXCLUDED.{}").format(sql.Identifier(c)) for c in others))
    flags = [r[0] for r in conn.execute(query)]
    report.inserted += sum(flags)
    report.updated += len(flags) - sum(flags)
    report.unchanged += len(rows) - len(flags)


def import_olist(directory: Path | str, files: dict[str, str] | None = None, allow_missing: set[str] | None = None,
                 max_bad_share: float = DEFAULT_MAX_BAD_SHARE, max_orphan_share: float = DEFAULT_MAX_ORPHAN_SHARE,
                 accept_orphans: bool = False, date_order: str = "auto") -> ImportReport:
    """Check every file, then upsert everything in one transaction (docs/olist-mapping.md)."""
    if date_order not in DATE_ORDERS:
        raise HarnessError(f"date order {date_order!r}: one of {', '.join(DATE_ORDERS)}")
    for name, share in (("--max-bad-share", max_bad_share), ("--max-orphan-share", max_orphan_share)):
        if not 0 <= share <= 1:
            raise HarnessError(f"{name} {share}: a share between 0 and 1 (0.05 = 5 %)")
    directory = Path(directory)
    report = ImportReport(directory)
    paths = locate(directory, files or {}, set(allow_missing or ()))
    for kind, path in paths.items():
        if path is None:
            report.notes.append(f"{kind}: no file ({SPECS[kind].name}), "
                                + ("not needed" if kind == "category_translation" else "allowed by --allow-missing"))
    ex = read_extract(paths, report, date_order)
    check_bad_shares(report, max_bad_share)
    count_orphans(ex, report)
    check_orphans(report, max_orphan_share, accept_orphans)
    tables = build(ex, report)
    with db.connect("oltp", "owner") as conn:
        for table in ("regions", "states", "teams", "sellers", "customers", "products", "discounts", "orders",
                      "order_items", "sales_targets"):
            columns, rows = tables[table]
            upsert(conn, table, columns, rows, report.table(table))
        conn.commit()
    return report
