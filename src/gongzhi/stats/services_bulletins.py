"""Every write to bulletins (通报): draft, change the draft, issue, archive and restore.

Only the city office writes. A draft holds what the bulletin is asked for (period,
filters, session of the participation table, number, title, texts) and is
recomputed whenever it is shown. Issuing freezes it for good: the figures as they
are at that moment (``Bulletin.figures``, from
:func:`gongzhi.stats.bulletin.bulletin_figures`), the DOCX and the PDF are stored,
and nothing of an issued bulletin changes afterwards. Issuing needs the PDF's CJK
font: when it is missing, issuing is refused (with the command that installs it)
rather than issuing a bulletin whose PDF is lacking.

Every write keeps a history row (who, when) through django-simple-history.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Final

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.campaigns.models import Session, SessionStatus
from gongzhi.core.archive import mark_archived, mark_restored, save_with_history
from gongzhi.core.scoping import scope_of
from gongzhi.core.validation import UNSET, Errors
from gongzhi.core.validation import Unset as _Unset
from gongzhi.core.validation import add_error as _add
from gongzhi.core.validation import raise_if_errors as _raise_if
from gongzhi.stats import bulletin as document
from gongzhi.stats.figures import StatsFilter
from gongzhi.stats.filters import filter_from_json, filter_to_json
from gongzhi.stats.models import Bulletin, BulletinStatus
from gongzhi.stats.queries_bulletins import as_json

NUMBER_MAX: Final = 60
TITLE_MAX: Final = 120
ISSUER_MAX: Final = 60
TEXT_MAX: Final = 20_000


class AlreadyIssued(ValidationError):
    """The bulletin is issued: it never changes again (the API answers 409)."""

    def __init__(self, bulletin: Bulletin) -> None:
        message = _(
            "%(bulletin)s is issued: an issued bulletin never changes. Draft a new one instead."
        ) % {"bulletin": bulletin}
        super().__init__({"status": [message]})


# --- who may write --------------------------------------------------------------------


def may_write(user: Any) -> bool:
    """Only the city office drafts and issues bulletins."""
    return scope_of(user).is_office


def require_office(user: Any) -> None:
    if not may_write(user):
        raise PermissionDenied(_("Only the city office may draft and issue bulletins."))


# --- values ---------------------------------------------------------------------------


def filter_of(bulletin: Bulletin) -> StatsFilter:
    """The :class:`StatsFilter` a bulletin's figures are computed under."""
    stored = bulletin.filters if isinstance(bulletin.filters, dict) else {}
    return filter_from_json(stored, start=bulletin.start, end=bulletin.end)


def default_issuer() -> str:
    """The issuing office of a new draft: the setting, else the last bulletin's."""
    configured = str(getattr(settings, "BULLETIN_ISSUER", "") or "")
    if configured:
        return configured
    last = Bulletin.objects.exclude(issuer="").order_by("-id").values_list("issuer", flat=True)
    return last.first() or ""


def _text(errors: Errors, name: str, value: Any, max_length: int, *, required: bool) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        _add(errors, name, _("This field is required."))
    elif len(text) > max_length:
        _add(
            errors,
            name,
            _("At most %(max)d characters (it has %(n)d).") % {"max": max_length, "n": len(text)},
        )
    return text


def _check_period(errors: Errors, f: StatsFilter) -> None:
    if not isinstance(f.start, dt.date) or not isinstance(f.end, dt.date):
        _add(errors, "start", _("Enter a date as YYYY-MM-DD."))
    elif f.start > f.end:
        _add(errors, "end", _("The end of the period cannot be before its start."))


def _check_session(errors: Errors, session: Session | None, f: StatsFilter) -> None:
    """The participation table's session must be held (not cancelled or skipped) and lie
    in the period."""
    if session is None or "start" in errors or "end" in errors:
        return
    if session.status != SessionStatus.SCHEDULED:
        _add(
            errors,
            "session",
            _("The session of %(date)s was not held; choose a held session.")
            % {"date": session.date.isoformat()},
        )
    elif not f.start <= session.date <= f.end:
        _add(
            errors,
            "session",
            _("The session of %(date)s is outside the period %(start)s – %(end)s.")
            % {
                "date": session.date.isoformat(),
                "start": f.start.isoformat(),
                "end": f.end.isoformat(),
            },
        )


# --- drafts ---------------------------------------------------------------------------


@transaction.atomic
def bulletin_create(
    *,
    user: Any,
    filter: StatsFilter,  # noqa: A002 - the name the figures module uses
    title: str,
    issuer: str = "",
    number: str = "",
    session: Session | None = None,
    problems_text: str = "",
    requirements_text: str = "",
) -> Bulletin:
    """Draft a bulletin for ``filter``'s period and filters.

    ``session`` is the session of the participation table (None: the first held
    session of the last month in the period); it must be held and in the period.
    ``issuer`` defaults to :func:`default_issuer`. The number may wait until issuing.
    """
    require_office(user)
    errors: Errors = {}
    _check_period(errors, filter)
    _check_session(errors, session, filter)
    row = Bulletin(
        start=filter.start,
        end=filter.end,
        filters=filter_to_json(filter, with_period=False),
        session=session,
        title=_text(errors, "title", title, TITLE_MAX, required=True),
        issuer=_text(errors, "issuer", issuer or default_issuer(), ISSUER_MAX, required=True),
        number=_text(errors, "number", number, NUMBER_MAX, required=False),
        problems_text=_text(errors, "problems_text", problems_text, TEXT_MAX, required=False),
        requirements_text=_text(
            errors, "requirements_text", requirements_text, TEXT_MAX, required=False
        ),
        status=BulletinStatus.DRAFT,
        created_by=user,
    )
    _raise_if(errors)
    return save_with_history(row, user)


def _draft_for_update(bulletin: Bulletin) -> Bulletin:
    row = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
    if row.is_issued:
        raise AlreadyIssued(row)
    return row


@transaction.atomic
def bulletin_update(
    *,
    user: Any,
    bulletin: Bulletin,
    filter: StatsFilter | _Unset = UNSET,  # noqa: A002 - the name the figures module uses
    title: str | _Unset = UNSET,
    issuer: str | _Unset = UNSET,
    number: str | _Unset = UNSET,
    session: Session | None | _Unset = UNSET,
    problems_text: str | _Unset = UNSET,
    requirements_text: str | _Unset = UNSET,
) -> Bulletin:
    """Change a draft; arguments left out stay as they are. An issued bulletin is refused
    (:class:`AlreadyIssued`), whatever the change."""
    require_office(user)
    row = _draft_for_update(bulletin)
    errors: Errors = {}
    current = filter_of(row) if isinstance(filter, _Unset) else filter
    _check_period(errors, current)
    chosen = row.session if isinstance(session, _Unset) else session
    _check_session(errors, chosen, current)
    texts: dict[str, tuple[Any, int, bool]] = {
        "title": (title, TITLE_MAX, True),
        "issuer": (issuer, ISSUER_MAX, True),
        "number": (number, NUMBER_MAX, False),
        "problems_text": (problems_text, TEXT_MAX, False),
        "requirements_text": (requirements_text, TEXT_MAX, False),
    }
    for name, (value, max_length, required) in texts.items():
        if not isinstance(value, _Unset):
            setattr(row, name, _text(errors, name, value, max_length, required=required))
    _raise_if(errors)
    row.start, row.end = current.start, current.end
    row.filters = filter_to_json(current, with_period=False)
    row.session = chosen
    return save_with_history(row, user)


@transaction.atomic
def bulletin_archive(*, user: Any, bulletin: Bulletin) -> Bulletin:
    """Put a draft away (it leaves the list; nothing is deleted). Issued bulletins stay."""
    require_office(user)
    row = _draft_for_update(bulletin)
    return mark_archived(row, user)


@transaction.atomic
def bulletin_restore(*, user: Any, bulletin: Bulletin) -> Bulletin:
    """Bring an archived draft back to the list."""
    require_office(user)
    row = _draft_for_update(bulletin)
    return mark_restored(row, user)


# --- issuing --------------------------------------------------------------------------


def _file_stem(row: Bulletin, issued_on: dt.date) -> str:
    return f"bulletin-{row.pk}-{issued_on:%Y%m%d}"


@transaction.atomic
def bulletin_issue(*, user: Any, bulletin: Bulletin) -> Bulletin:
    """Issue a draft: freeze its figures, render and store its DOCX and PDF.

    Needs a document number not used by another issued bulletin, and a draft that is
    not archived. Issuing twice is refused (:class:`AlreadyIssued`). When the PDF's
    CJK font is missing, or the office's Word template is broken, nothing is issued:
    the error names the font (and the command that installs it) or the template.
    """
    require_office(user)
    row = _draft_for_update(bulletin)
    errors: Errors = {}
    if row.is_archived:
        _add(errors, "status", _("%(bulletin)s is archived: restore it first.") % {"bulletin": row})
    if not row.number:
        _add(errors, "number", _("A bulletin needs its document number to be issued."))
    elif (
        Bulletin.objects.filter(status=BulletinStatus.ISSUED, number=row.number)
        .exclude(pk=row.pk)
        .exists()
    ):
        _add(
            errors,
            "number",
            _("Another issued bulletin already has the number %(number)s.")
            % {"number": row.number},
        )
    if row.session_id is not None:
        _check_session(errors, row.session, filter_of(row))
    _raise_if(errors)

    issued_on = timezone.localdate()
    spec = dataclasses.replace(document.spec_for(row), issued_on=issued_on)
    figures = as_json(document.bulletin_figures(spec))
    try:
        docx = document.render_docx(spec, figures)
    except document.TemplateBroken as exc:
        raise ValidationError({"__all__": [str(exc)]}) from exc
    try:
        pdf = document.render_pdf(spec, figures)
    except document.FontMissing as exc:
        raise ValidationError(
            {"__all__": [_("The PDF cannot be made: %(reason)s") % {"reason": exc}]}
        ) from exc

    stem = _file_stem(row, issued_on)
    row.figures = figures
    row.status = BulletinStatus.ISSUED
    row.issued_at = timezone.now()
    row.issued_by = user
    row.docx.save(f"{stem}.docx", ContentFile(docx), save=False)
    row.pdf.save(f"{stem}.pdf", ContentFile(pdf), save=False)
    try:
        with transaction.atomic():
            save_with_history(row, user, "issued")
    except IntegrityError as exc:  # another bulletin took the number meanwhile
        row.docx.delete(save=False)
        row.pdf.delete(save=False)
        raise ValidationError(
            {
                "number": [
                    _("Another issued bulletin already has the number %(number)s.")
                    % {"number": row.number}
                ]
            }
        ) from exc
    return row
