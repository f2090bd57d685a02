"""``gongzhi bulletin --start D --end D --out FILE.docx|.pdf``: write a bulletin (通报).

The figures are computed now, from the data, over the whole city (no reader's
scope), under the filters given. With no ``--jurisdiction`` or
``--exclude-jurisdiction``, only municipal units (市直单位) are counted, as the
city's bulletins do; ``--all-units`` counts every unit. ``--session`` picks the
session of the participation table by its date (default: the first held session
of the period's last month that has one).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from gongzhi.stats.figures import MUNICIPAL, StatsFilter

FILTER_OPTIONS = (
    ("jurisdiction", "the unit's jurisdiction: municipal or a district code"),
    (
        "exclude_jurisdiction",
        "leave out the units of a jurisdiction (municipal or a district code)",
    ),
    ("district", "only communities of this district (code)"),
    ("exclude_district", "leave out the communities of this district (code)"),
    ("unit", "only this unit (credit code)"),
    ("community", "only this community (12-digit code)"),
    ("category", "only problems of this category (code)"),
)


def add_filter_arguments(parser: CommandParser) -> None:
    """The period and the filters, shared by ``bulletin`` and ``brief``."""
    parser.add_argument("--start", required=True, help="first day, YYYY-MM-DD")
    parser.add_argument("--end", required=True, help="last day, YYYY-MM-DD (inclusive)")
    for name, text in FILTER_OPTIONS:
        parser.add_argument(
            "--" + name.replace("_", "-"),
            dest=name,
            action="append",
            default=[],
            help=text + " (repeatable)",
        )
    parser.add_argument(
        "--all-units",
        action="store_true",
        help="count the units of every jurisdiction (default without a jurisdiction "
        "option: municipal units only)",
    )
    parser.add_argument(
        "--session", help="date (YYYY-MM-DD) of the session of the participation table"
    )


def _messages(error: ValidationError) -> str:
    """The errors of ``parse_filter`` named by option: ``--end: Enter a date as YYYY-MM-DD.``"""
    if hasattr(error, "error_dict"):
        return " ".join(
            f"--{name.replace('_', '-')}: {' '.join(messages)}"
            for name, messages in error.message_dict.items()
        )
    return " ".join(error.messages)


def filter_from_options(options: dict[str, Any]) -> StatsFilter:
    """The filter the options ask for (municipal units only by default), or
    :class:`CommandError` naming the option that is wrong."""
    from gongzhi.stats.filters import parse_filter

    data: dict[str, Any] = {"start": options["start"], "end": options["end"]}
    for name, _text in FILTER_OPTIONS:
        data[name] = list(options.get(name) or [])
    chooses = data["jurisdiction"] or data["exclude_jurisdiction"]
    if not chooses and not options.get("all_units"):
        data["jurisdiction"] = [MUNICIPAL]
    try:
        return parse_filter(data)
    except ValidationError as exc:
        raise CommandError(_messages(exc)) from exc


def session_id_from_options(options: dict[str, Any], f: StatsFilter) -> int | None:
    """The held session of ``--session``'s date, or :class:`CommandError`."""
    from gongzhi.stats.queries_bulletins import held_session_on

    text = options.get("session")
    if not text:
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(_("--session: Enter a date as YYYY-MM-DD.")) from exc
    if not f.start <= day <= f.end:
        raise CommandError(
            _("--session: %(date)s is outside the period.") % {"date": day.isoformat()}
        )
    session = held_session_on(day)
    if session is None:
        raise CommandError(
            _("--session: no session was held on %(date)s.") % {"date": day.isoformat()}
        )
    return session.pk


def default_title(f: StatsFilter) -> str:
    """``关于2021年7月至10月周五环境治理活动开展情况的通报`` (document data)."""
    if (f.start.year, f.start.month) == (f.end.year, f.end.month):
        span = f"{f.start.year}年{f.start.month}月"
    elif f.start.year == f.end.year:
        span = f"{f.start.year}年{f.start.month}月至{f.end.month}月"
    else:
        span = f"{f.start.year}年{f.start.month}月至{f.end.year}年{f.end.month}月"
    return f"关于{span}环境治理活动开展情况的通报"


def spec_from_options(options: dict[str, Any]) -> Any:
    from gongzhi.stats.bulletin import BulletinSpec
    from gongzhi.stats.services_bulletins import default_issuer

    f = filter_from_options(options)
    return BulletinSpec(
        filter=f,
        session_id=session_id_from_options(options, f),
        number=(options.get("number") or "").strip(),
        title=(options.get("title") or "").strip() or default_title(f),
        issuer=(options.get("issuer") or "").strip()
        or default_issuer()
        or "市创城工作指挥部办公室",
        problems_text="",
        requirements_text="",
        issued_on=None,
    )


class Command(BaseCommand):
    help = (
        "Write the bulletin (通报) of a period as DOCX or PDF, with the figures as the "
        "data gives them now. Without a jurisdiction option only municipal units count."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_filter_arguments(parser)
        parser.add_argument(
            "--out", required=True, help="the file to write; .docx or .pdf chooses the format"
        )
        parser.add_argument(
            "--number", default="", help="document number, e.g. 随创城办〔2021〕12号"
        )
        parser.add_argument("--title", default="", help="title (default: from the period)")
        parser.add_argument(
            "--issuer", default="", help="issuing office, the red header (default: BULLETIN_ISSUER)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from gongzhi.stats import bulletin

        out = Path(options["out"])
        kind = out.suffix.lower().lstrip(".")
        if kind not in ("docx", "pdf"):
            raise CommandError(_("The output file must end in .docx or .pdf."))
        spec = spec_from_options(options)
        figures = bulletin.bulletin_figures(spec)
        try:
            if kind == "pdf":
                body = bulletin.render_pdf(spec, figures)
            else:
                body = bulletin.render_docx(spec, figures)
        except bulletin.FontMissing as exc:
            raise CommandError(str(exc)) from exc
        try:
            out.write_bytes(body)
        except OSError as exc:
            raise CommandError(
                _("Cannot write %(file)s: %(error)s") % {"file": out, "error": exc.strerror}
            ) from exc
        self.stdout.write(
            _("Wrote the bulletin of %(start)s – %(end)s to %(file)s.")
            % {"start": spec.filter.start, "end": spec.filter.end, "file": out}
        )
