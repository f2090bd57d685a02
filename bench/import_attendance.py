"""Benchmark: importing an attendance sheet of 100,000 rows, ours against django-import-export.

Run it with one command (PostgreSQL; the database is created and migrated if
needed, and the benchmark's own rows are cleared before each side runs)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gongzhi_bench \\
        .venv/bin/python bench/import_attendance.py

It sets up a registry of ~100 units, ~100 communities and their pairings (each
unit paired with 10 communities), a campaign with 100 held Friday sessions and
an office account; writes the sheet as an xlsx with xlsxwriter (the template's
Chinese headers; dates as date cells, as Excel users type them); then times,
from reading the file to committed rows:

- ours: :func:`gongzhi.imports.readers.read_sheet` (python-calamine) and
  :func:`gongzhi.imports.services.check_sheet` with the ``attendance`` kind:
  every row validated by the attendance services' rules, written by COPY with
  a history row each;
- django-import-export 4.4.3 (the ``bench`` extra): its XLSX format (openpyxl)
  and a ``ModelResource`` finding sessions, units and communities by natural
  key, ``import_data(dataset, dry_run=False, use_transactions=True)`` in its
  normal configuration (one ``save()`` per row, so django-simple-history writes
  history rows as ours does); ``--peer-bulk`` runs it with ``use_bulk=True``
  instead (no history rows: bulk_create sends no signals).

The peer is slow, so by default it imports a prefix of the same sheet
(``--peer-rows``, written as its own file); the output says so. The last three
lines are exactly ``ours: N rows/s``, ``django-import-export: N rows/s`` and
``ratio: X``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

CAMPAIGN_SLUG = "bench"
#: Credit codes and community codes of the benchmark's registry (their own prefixes).
UNIT_PREFIX = "12429900"
STREET_CODE = "429901001"
DISTRICT_CODE = "429901"
OFFICE_USERNAME = "bench-office"
FIRST_FRIDAY = dt.date(2021, 7, 2)
HEADER = ("活动名称", "活动日期", "单位统一社会信用代码", "社区代码", "参加人次", "带队领导",
          "领导职务", "主要领导带队", "开始时间", "结束时间", "备注")  # fmt: skip
LEADERS = ("王明", "李强", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "黄敏")
RANKS = ("局长", "副局长", "主任", "副主任", "处长", "科长")


@dataclass
class BenchWorld:
    office: Any
    units: list[tuple[int, str]]
    communities: list[tuple[int, str]]
    #: (unit index, community index) of every pairing.
    pairs: list[tuple[int, int]]
    sessions: list[tuple[int, dt.date]]
    campaign_id: int


# --- database ---------------------------------------------------------------------------


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database named in ``url`` if it does not exist."""
    import psycopg
    from psycopg import sql

    parts = psycopg.conninfo.conninfo_to_dict(url)
    name = parts.get("dbname")
    if not name:
        return
    admin = psycopg.conninfo.make_conninfo(url, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not found:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
    import django

    django.setup()


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


# --- the registry, the campaign, the sessions --------------------------------------------


def credit_code(serial: int) -> str:
    from gongzhi.core.codes import credit_code_check_char

    first17 = f"{UNIT_PREFIX}{serial:09d}"
    return first17 + credit_code_check_char(first17)


def setup_world(
    *, units: int = 100, communities: int = 100, per_unit: int = 10, sessions: int = 100
) -> BenchWorld:
    """The benchmark's registry (idempotent): units, communities, pairings, a campaign
    with ``sessions`` weekly Friday sessions since July 2021, and an office account."""
    from gongzhi.areas.models import Community, District, Street
    from gongzhi.campaigns.models import Campaign, Session, SessionStatus
    from gongzhi.core.models import Role, RoleGrant, User
    from gongzhi.units.models import Pairing, Unit

    district, _ = District.objects.get_or_create(code=DISTRICT_CODE, defaults={"name": "基准区"})
    street, _ = Street.objects.get_or_create(
        code=STREET_CODE, defaults={"name": "基准街道", "district": district}
    )
    community_rows = []
    for k in range(communities):
        c, _ = Community.objects.get_or_create(
            code=f"{STREET_CODE}{k + 1:03d}",
            defaults={"name": f"基准社区{k + 1}", "street": street},
        )
        community_rows.append((c.pk, c.code))
    unit_rows = []
    for k in range(units):
        u, _ = Unit.objects.get_or_create(
            code=credit_code(k + 1), defaults={"name": f"基准单位{k + 1}"}
        )
        unit_rows.append((u.pk, u.code))
    pairs = []
    existing = set(
        Pairing.objects.filter(unit__code__startswith=UNIT_PREFIX).values_list(
            "unit_id", "community_id"
        )
    )
    new_pairings = []
    for i in range(units):
        for j in range(per_unit):
            c = (i * 7 + j) % communities
            pairs.append((i, c))
            key = (unit_rows[i][0], community_rows[c][0])
            if key not in existing:
                existing.add(key)
                new_pairings.append(
                    Pairing(unit_id=key[0], community_id=key[1], start=dt.date(2021, 7, 1))
                )
    Pairing.objects.bulk_create(new_pairings)
    campaign, _ = Campaign.objects.get_or_create(
        slug=CAMPAIGN_SLUG,
        defaults={"name": "基准活动", "start": dt.date(2021, 7, 1), "nth": [1, 2, 3, 4, 5]},
    )
    session_rows = []
    for k in range(sessions):
        day = FIRST_FRIDAY + dt.timedelta(days=7 * k)
        s, _ = Session.objects.get_or_create(
            campaign=campaign,
            slot_date=day,
            defaults={
                "date": day,
                "start_time": dt.time(14, 30),
                "end_time": dt.time(17, 30),
                "status": SessionStatus.SCHEDULED,
            },
        )
        session_rows.append((s.pk, s.date))
    office, created = User.objects.get_or_create(username=OFFICE_USERNAME)
    if created:
        office.set_unusable_password()
        office.save()
        RoleGrant.objects.create(user=office, role=Role.OFFICE)
    return BenchWorld(office, unit_rows, community_rows, pairs, session_rows, campaign.pk)


def sheet_rows(world: BenchWorld, rows: int) -> list[tuple[Any, ...]]:
    """``rows`` attendance rows: every pairing at every session, session by session."""
    out: list[tuple[Any, ...]] = []
    for _session_id, day in world.sessions:
        for n, (i, c) in enumerate(world.pairs):
            if len(out) == rows:
                return out
            k = len(out)
            led = k % 9 == 0
            out.append(
                (
                    CAMPAIGN_SLUG,
                    day,
                    world.units[i][1],
                    world.communities[c][1],
                    5 + (k * 37 + n) % 60,
                    LEADERS[k % len(LEADERS)],
                    RANKS[k % len(RANKS)],
                    "是" if led else "否",
                    "14:30",
                    "17:30" if k % 4 else "17:00",
                    "清理垃圾死角" if k % 5 == 0 else "",
                )
            )
    if len(out) < rows:
        raise ValueError(
            f"the registry gives {len(out)} rows; ask for fewer or more sessions or pairings"
        )
    return out


def write_sheet(path: Path, rows: list[tuple[Any, ...]]) -> Path:
    """The sheet as an xlsx, as a user fills in the template."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet("参加活动情况")
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, HEADER)
    for r, row in enumerate(rows, start=1):
        sheet.write_string(r, 0, row[0])
        sheet.write_datetime(r, 1, dt.datetime.combine(row[1], dt.time()), date_format)
        sheet.write_string(r, 2, row[2])
        sheet.write_string(r, 3, row[3])
        sheet.write_number(r, 4, row[4])
        for c in range(5, len(row)):
            if row[c]:
                sheet.write_string(r, c, row[c])
    book.close()
    return path


def clear(world: BenchWorld) -> None:
    """Remove the benchmark's attendance and its history (between the two sides)."""
    from django.db import connection, transaction

    from gongzhi.activities.models import Attendance

    history = Attendance.history.model._meta.db_table
    sessions = [pk for pk, _day in world.sessions]
    marks = ", ".join(["%s"] * len(sessions))
    with transaction.atomic(), connection.cursor() as cursor:
        for table in (history, Attendance._meta.db_table):
            cursor.execute(f"DELETE FROM {table} WHERE session_id IN ({marks})", sessions)


def attendance_count(world: BenchWorld) -> tuple[int, int, int]:
    """(rows, sum of headcounts, history rows) of the benchmark's sessions."""
    from django.db.models import Sum

    from gongzhi.activities.models import Attendance

    sessions = [pk for pk, _day in world.sessions]
    qs = Attendance.objects.filter(session_id__in=sessions)
    total = qs.aggregate(s=Sum("headcount"))["s"] or 0
    history = Attendance.history.filter(session_id__in=sessions).count()
    return qs.count(), total, history


# --- the two sides ---------------------------------------------------------------------------


def backend_cpu_seconds() -> float | None:
    """CPU seconds used so far by this connection's PostgreSQL backend, when the server
    runs on this machine (read from /proc); None otherwise."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # utime and stime are the 14th and 15th fields of the line (11th and 12th after
    # the command name), in clock ticks.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_ours(path: Path, world: BenchWorld) -> tuple[float, Any]:
    """Seconds from reading the file to committed rows, and the outcome."""
    from gongzhi.imports import registry
    from gongzhi.imports.base import Context
    from gongzhi.imports.readers import read_sheet
    from gongzhi.imports.services import check_sheet

    importer = registry.get("attendance")
    assert importer is not None  # noqa: S101 - the kind registers itself
    backend = backend_cpu_seconds()
    start = time.perf_counter()
    cpu = time.process_time()
    sheet = read_sheet(path.read_bytes(), path.name)
    ctx = Context(user=world.office, file_name=path.name)
    outcome = check_sheet(importer(), sheet, ctx)
    elapsed = time.perf_counter() - start
    outcome.cpu_seconds = time.process_time() - cpu
    after = backend_cpu_seconds()
    outcome.backend_cpu_seconds = (
        after - backend if after is not None and backend is not None else None
    )
    if outcome.errors:
        raise RuntimeError(f"our import refused the sheet: {outcome.errors[:5]}")
    return elapsed, outcome


def peer_resource(world: BenchWorld, *, use_bulk: bool) -> Any:
    """A django-import-export resource for the same sheet, keyed by natural keys."""
    from import_export import fields, resources, widgets

    from gongzhi.activities.models import Attendance
    from gongzhi.areas.models import Community
    from gongzhi.campaigns.models import Session
    from gongzhi.units.models import Unit

    class SessionWidget(widgets.ForeignKeyWidget):
        def get_queryset(self, value: Any, row: Any, *args: Any, **kwargs: Any) -> Any:
            return Session.objects.filter(campaign__slug=row["活动名称"])

        def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
            if isinstance(value, dt.datetime):
                value = value.date()
            return super().clean(value, row, **kwargs)

    class YesNoWidget(widgets.BooleanWidget):
        def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
            return {"是": True, "否": False}.get(value, super().clean(value, row, **kwargs))

    class TimeWidget(widgets.TimeWidget):
        def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
            return super().clean(value, row, **kwargs) if value else None

    class AttendanceResource(resources.ModelResource):
        session = fields.Field(
            attribute="session", column_name="活动日期", widget=SessionWidget(Session, "date")
        )
        unit = fields.Field(
            attribute="unit",
            column_name="单位统一社会信用代码",
            widget=widgets.ForeignKeyWidget(Unit, "code"),
        )
        community = fields.Field(
            attribute="community",
            column_name="社区代码",
            widget=widgets.ForeignKeyWidget(Community, "code"),
        )
        headcount = fields.Field(
            attribute="headcount", column_name="参加人次", widget=widgets.IntegerWidget()
        )
        leader_name = fields.Field(attribute="leader_name", column_name="带队领导")
        leader_rank = fields.Field(attribute="leader_rank", column_name="领导职务")
        principal_leader_led = fields.Field(
            attribute="principal_leader_led", column_name="主要领导带队", widget=YesNoWidget()
        )
        start_time = fields.Field(
            attribute="start_time", column_name="开始时间", widget=TimeWidget("%H:%M")
        )
        end_time = fields.Field(
            attribute="end_time", column_name="结束时间", widget=TimeWidget("%H:%M")
        )
        notes = fields.Field(attribute="notes", column_name="备注")

        class Meta:
            model = Attendance
            import_id_fields = ("session", "unit", "community")
            fields = (
                "session",
                "unit",
                "community",
                "headcount",
                "leader_name",
                "leader_rank",
                "principal_leader_led",
                "start_time",
                "end_time",
                "notes",
            )
            skip_unchanged = True
            report_skipped = False
            # Its documented advice for speed: no per-row diff when nobody reads it.
            skip_diff = True

        def before_save_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
            instance.leader_name = instance.leader_name or ""
            instance.leader_rank = instance.leader_rank or ""
            instance.notes = instance.notes or ""
            instance.entered_by = world.office

    if use_bulk:
        AttendanceResource._meta.use_bulk = True
        AttendanceResource._meta.batch_size = 1_000
    return AttendanceResource()


def run_peer(path: Path, world: BenchWorld, *, use_bulk: bool = False) -> tuple[float, Any]:
    """Seconds from reading the file to committed rows with django-import-export."""
    from import_export.formats.base_formats import XLSX

    resource = peer_resource(world, use_bulk=use_bulk)
    backend = backend_cpu_seconds()
    start = time.perf_counter()
    cpu = time.process_time()
    dataset = XLSX().create_dataset(path.read_bytes())
    result = resource.import_data(dataset, dry_run=False, use_transactions=True, raise_errors=True)
    elapsed = time.perf_counter() - start
    result.cpu_seconds = time.process_time() - cpu
    after = backend_cpu_seconds()
    result.backend_cpu_seconds = (
        after - backend if after is not None and backend is not None else None
    )
    if result.has_errors() or result.has_validation_errors():
        raise RuntimeError("django-import-export refused the sheet")
    return elapsed, result


# --- main -----------------------------------------------------------------------------------


def report(ours_rate: float, peer_rate: float) -> list[str]:
    """The last three lines the benchmark prints."""
    return [
        f"ours: {ours_rate:,.0f} rows/s",
        f"django-import-export: {peer_rate:,.0f} rows/s",
        f"ratio: {ours_rate / peer_rate:.1f}",
    ]


def _cpu(outcome: Any) -> str:
    text = f"CPU: {outcome.cpu_seconds:.2f} s in Python"
    if outcome.backend_cpu_seconds is not None:
        text += f", {outcome.backend_cpu_seconds:.2f} s in its PostgreSQL backend"
    return text


def _machine() -> str:
    cpus = os.cpu_count() or 0
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.system()} {platform.machine()}, {cpus} CPUs {model}".strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows of the sheet (100,000)")
    parser.add_argument(
        "--peer-rows",
        type=int,
        default=20_000,
        help="rows django-import-export imports: a prefix of the same sheet (20,000; 0: all)",
    )
    parser.add_argument("--peer-bulk", action="store_true", help="run the peer with use_bulk=True")
    parser.add_argument("--dir", type=Path, default=ROOT / "var" / "bench")
    args = parser.parse_args(argv)

    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        ensure_database(url)
    else:
        warnings.warn(
            "DATABASE_URL is not PostgreSQL: the figures are SQLite's, not the target's.",
            stacklevel=1,
        )
    setup_django()
    migrate()
    from django.db import connection

    world = setup_world(sessions=max(1, -(-args.rows // 1000)))
    args.dir.mkdir(parents=True, exist_ok=True)
    rows = sheet_rows(world, args.rows)
    peer_rows = args.rows if args.peer_rows <= 0 else min(args.peer_rows, args.rows)
    full = write_sheet(args.dir / "attendance.xlsx", rows)
    prefix = full
    if peer_rows < args.rows:
        prefix = write_sheet(args.dir / f"attendance-first-{peer_rows}.xlsx", rows[:peer_rows])
    print(f"database: {connection.vendor} {connection.settings_dict.get('NAME')}")
    print(f"machine: {_machine()}, Python {platform.python_version()}")
    print("load average before the runs: " + ", ".join(f"{n:.1f}" for n in os.getloadavg()))
    print(f"sheet: {full} ({len(rows):,} rows, {full.stat().st_size / 1e6:.1f} MB)")

    clear(world)
    ours_seconds, outcome = run_ours(full, world)
    count = attendance_count(world)
    print(
        f"ours: {outcome.created:,} rows imported in {ours_seconds:.2f} s "
        f"({_cpu(outcome)}) "
        f"(rows, person-times, history rows: {count[0]:,}, {count[1]:,}, {count[2]:,})"
    )
    again_seconds, again = run_ours(full, world)
    print(
        f"ours, the same file again: {again.unchanged:,} unchanged, {again.created} created, "
        f"{again.updated} updated in {again_seconds:.2f} s"
    )

    clear(world)
    mode = (
        "use_bulk=True, batch_size=1000, skip_diff=True: no history rows"
        if args.peer_bulk
        else "normal mode, skip_diff=True: one save() per row, history rows by signal"
    )
    peer_seconds, result = run_peer(prefix, world, use_bulk=args.peer_bulk)
    peer_count = attendance_count(world)
    print(
        f"django-import-export 4.4.3 ({mode}): {result.totals.get('new', 0):,} rows imported "
        f"in {peer_seconds:.2f} s ({_cpu(result)}) "
        f"(rows, person-times, history rows: {peer_count[0]:,}, "
        f"{peer_count[1]:,}, {peer_count[2]:,})"
        + (f"; run on the first {peer_rows:,} rows of the sheet" if peer_rows < args.rows else "")
    )
    clear(world)

    for line in report(len(rows) / ours_seconds, peer_rows / peer_seconds):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
