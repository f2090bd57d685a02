"""Running imports: every row checked, then everything written at once, or nothing.

:func:`import_start` takes an uploaded file, records an :class:`ImportJob` and
either runs it at once (small files) or queues it for a worker (more rows than
``IMPORT_BACKGROUND_ROWS``). :func:`import_run` does the work; :func:`check_sheet`
is the engine both use (and the command line, and the benchmark).

The engine reads the header (Chinese template headers, English keys and
aliases, in any order), parses every cell, lets the kind check each row and
plan creates / updates / unchanged rows, and collects *every* error. Only if
there is none, and it is not a dry run, the kind writes, inside one
transaction; an error raised while writing rolls everything back.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import PurePath
from typing import Any, Final, Protocol

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gongzhi.imports import errors_file, registry
from gongzhi.imports.base import CellError, Context, Importer, Plan, Row, RowError, RowInvalid
from gongzhi.imports.models import ImportJob, ImportStatus
from gongzhi.imports.readers import FileRefused, Sheet, check_size, gc_paused, read_sheet

#: Errors kept on the job (the error file has them all).
MAX_STORED_ERRORS: Final = 5_000
#: How often (in rows) progress is reported while checking.
PROGRESS_EVERY: Final = 1_000
_REQUIRED_MARKS: Final = ("*", "（必填）", "(必填)", "必填")

logger = logging.getLogger(__name__)


class Upload(Protocol):
    name: str | None
    size: int | None

    def read(self, size: int = -1) -> bytes: ...


@dataclass
class Outcome:
    """The result of checking (and maybe writing) one sheet."""

    status: str
    rows_total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    #: Data rows (numbers) with at least one error.
    bad_rows: int = 0


# --- headers --------------------------------------------------------------------------


def normalise_header(text: str) -> str:
    value = unicodedata.normalize("NFKC", str(text or "")).strip()
    for mark in _REQUIRED_MARKS:
        value = value.replace(unicodedata.normalize("NFKC", mark), "")
    return "".join(value.split()).casefold()


def map_header(
    importer: type[Importer], header: list[str]
) -> tuple[dict[str, int], list[RowError]]:
    """Column key → index in the sheet, and the header's errors (missing or repeated columns)."""
    names: dict[str, str] = {}
    for col in importer.columns:
        for name in (col.header, col.key, *col.aliases, str(col.label) if col.label else ""):
            if name:
                names.setdefault(normalise_header(name), col.key)
    found: dict[str, int] = {}
    errors: list[RowError] = []
    for index, text in enumerate(header):
        key = names.get(normalise_header(text))
        if key is None:
            continue  # unknown columns (notes, the error column of an error file) are ignored
        if key in found:
            errors.append(
                RowError(
                    1,
                    importer.header_of(key),
                    _("This column appears twice (columns %(a)d and %(b)d).")
                    % {"a": found[key] + 1, "b": index + 1},
                )
            )
            continue
        found[key] = index
    for col in importer.columns:
        if col.required and col.key not in found:
            errors.append(
                RowError(
                    1, col.header, _("The column “%(header)s” is missing.") % {"header": col.header}
                )
            )
    return found, errors


# --- the engine -----------------------------------------------------------------------


def _cell_errors(
    importer: type[Importer], number: int, exc: CellError | RowInvalid, default: str
) -> list[RowError]:
    if isinstance(exc, CellError):
        return [RowError(number, importer.header_of(exc.column or default), exc.message)]
    out: list[RowError] = []
    for err in exc.errors:
        if isinstance(err, RowError):
            out.append(err)
        else:
            out.append(RowError(number, importer.header_of(err.column or default), err.message))
    return out


def _validation_errors(importer: type[Importer], exc: ValidationError) -> list[RowError]:
    if hasattr(exc, "error_dict"):
        return [
            RowError(0, importer.header_of(key) if key != "__all__" else "", str(message))
            for key, messages in exc.message_dict.items()
            for message in messages
        ]
    return [RowError(0, "", str(message)) for message in exc.messages]


def check_rows(importer: Importer, sheet: Sheet, ctx: Context) -> tuple[list[Row], list[RowError]]:
    """Parse and clean every row; the cleaned rows and every error found."""
    cls = type(importer)
    index, errors = map_header(cls, sheet.header)
    if errors:
        return [], errors
    required = _("This field is required.")
    no_nul = _("The cell holds a NUL character, which text cannot contain.")
    columns = [
        (col.key, index[col.key], col.parse, col.required, col.default)
        for col in cls.columns
        if col.key in index
    ]
    missing_optional = [(col.key, col.default) for col in cls.columns if col.key not in index]
    importer.prepare(ctx)
    rows: list[Row] = []
    seen: dict[Any, int] = {}
    # Skip calls that do nothing: the base clean_row, and key_of when a getter does it.
    clean_row = None if type(importer).clean_row is Importer.clean_row else importer.clean_row
    if type(importer).key_of is not Importer.key_of:
        key_of: Callable[[dict[str, Any]], Any] | None = importer.key_of
    elif cls.natural_key:
        getter = itemgetter(*cls.natural_key)
        key_of = getter if len(cls.natural_key) > 1 else (lambda values: (getter(values),))
    else:
        key_of = None
    str_ = str
    for done, (number, cells) in enumerate(sheet.rows, start=1):
        if done % PROGRESS_EVERY == 0:
            ctx.report(done)
        values: dict[str, Any] = dict(missing_optional)
        row_errors: list[RowError] = []
        width = len(cells)
        for key, position, parse, is_required, default in columns:
            raw = cells[position] if position < width else None
            if raw.__class__ is str_:
                raw = raw.strip()
                if not raw:
                    raw = None
                elif "\x00" in raw:  # Excel's _x0000_, or a NUL in a CSV: never text
                    row_errors.append(RowError(number, cls.header_of(key), no_nul))
                    continue
            if raw is None:
                if is_required:
                    row_errors.append(RowError(number, cls.header_of(key), required))
                values[key] = default
                continue
            try:
                values[key] = parse(raw)
            except CellError as exc:
                row_errors.append(RowError(number, cls.header_of(exc.column or key), exc.message))
        if not row_errors and clean_row is not None:
            try:
                values = clean_row(values, ctx)
            except (CellError, RowInvalid) as exc:
                row_errors.extend(_cell_errors(cls, number, exc, ""))
        if row_errors:
            errors.extend(row_errors)
            continue
        if key_of is not None:
            row_key = key_of(values)
            if row_key is not None:
                first = seen.get(row_key)
                if first is not None:
                    columns_named = "、".join(cls.header_of(k) for k in cls.natural_key) or ""
                    errors.append(
                        RowError(
                            number,
                            columns_named,
                            _("The same row as row %(row)d (same %(columns)s).")
                            % {"row": first, "columns": columns_named},
                        )
                    )
                    continue
                seen[row_key] = number
        rows.append(Row(number, values))
    ctx.report(len(sheet.rows))
    return rows, errors


def check_sheet(importer: Importer, sheet: Sheet, ctx: Context) -> Outcome:
    """Check every row of ``sheet``; write (all or nothing) unless ``ctx.dry_run``."""
    cls = type(importer)
    outcome = Outcome(status=ImportStatus.REFUSED, rows_total=len(sheet.rows))
    if not sheet.rows:
        outcome.errors = [RowError(0, "", _("The file has no data rows under its header."))]
        return outcome
    with gc_paused():
        rows, errors = check_rows(importer, sheet, ctx)
    plan = Plan()
    if not errors:
        try:
            plan = importer.plan(rows, ctx)
        except RowInvalid as exc:
            errors = _cell_errors(cls, 0, exc, "")
        except ValidationError as exc:
            errors = _validation_errors(cls, exc)
        errors.extend(plan.errors)
    if errors:
        outcome.errors = sorted(errors, key=lambda e: e.row)
        outcome.bad_rows = len({e.row for e in errors if e.row > 1})
        return outcome
    outcome.created, outcome.updated, outcome.unchanged = plan.created, plan.updated, plan.unchanged
    if ctx.dry_run:
        outcome.status = ImportStatus.CHECKED
        return outcome
    try:
        with transaction.atomic():
            if plan.creates or plan.updates:
                importer.write(plan, ctx)
    except RowInvalid as exc:
        outcome.errors = _cell_errors(cls, 0, exc, "")
        outcome.created = outcome.updated = outcome.unchanged = 0
        return outcome
    except ValidationError as exc:
        outcome.errors = _validation_errors(cls, exc)
        outcome.created = outcome.updated = outcome.unchanged = 0
        return outcome
    except PermissionDenied as exc:
        outcome.errors = [RowError(0, "", str(exc) or _("You may not import these rows."))]
        outcome.created = outcome.updated = outcome.unchanged = 0
        return outcome
    except IntegrityError:
        outcome.errors = [
            RowError(0, "", _("The data changed while the file was imported; import it again."))
        ]
        outcome.created = outcome.updated = outcome.unchanged = 0
        return outcome
    outcome.status = ImportStatus.DONE
    return outcome


# --- jobs -----------------------------------------------------------------------------


def _kind_or_refuse(user: Any, kind: str) -> type[Importer]:
    importer = registry.get(kind)
    if importer is None:
        known = ", ".join(cls.kind for cls in registry.kinds())
        raise ValidationError(
            {
                "kind": [
                    _("Unknown kind “%(kind)s”; choose one of: %(known)s.")
                    % {"kind": kind, "known": known}
                ]
            }
        )
    if not importer.may_import(user):
        raise PermissionDenied(_("You may not import %(title)s.") % {"title": importer.title})
    return importer


def _read_upload(file: Upload | bytes, name: str) -> tuple[bytes, str]:
    if isinstance(file, bytes | bytearray):
        data = bytes(file)
        return data, name
    size = getattr(file, "size", None)
    if size is not None:
        check_size(int(size))
    data = file.read(settings.IMPORT_MAX_BYTES + 1)
    return data, name or PurePath(str(getattr(file, "name", "") or "upload")).name


def import_start(
    *,
    user: Any,
    kind: str,
    file: Upload | bytes,
    dry_run: bool = False,
    name: str = "",
) -> ImportJob:
    """Record an import of ``file`` as ``kind`` by ``user`` and run it.

    Small files run at once (the job comes back finished); files with more than
    ``IMPORT_BACKGROUND_ROWS`` rows are queued for a worker and the job comes back
    queued. A file that cannot be read at all gives a job with status "failed"
    and a message. Unknown kinds are a ``ValidationError`` on ``kind``; kinds the
    user may not import are ``PermissionDenied``.
    """
    importer = _kind_or_refuse(user, kind)
    original = PurePath(name or str(getattr(file, "name", "") or "upload")).name[:200]
    job = ImportJob(
        kind=importer.kind, dry_run=bool(dry_run), created_by=user, original_name=original
    )
    try:
        data, _name = _read_upload(file, original)
        job.size = len(data)
        sheet = read_sheet(data, original)
    except FileRefused as exc:
        job.status = ImportStatus.FAILED
        job.message = exc.message[:300]
        job.finished_at = timezone.now()
        job.save()
        return job
    job.rows_total = len(sheet.rows)
    job.file.save(original or "upload", ContentFile(data), save=False)
    if job.rows_total > settings.IMPORT_BACKGROUND_ROWS:
        job.status = ImportStatus.QUEUED
        job.save()
        from gongzhi.imports import tasks  # the queue is loaded only when used

        language = translation.get_language() or settings.LANGUAGE_CODE
        transaction.on_commit(lambda: tasks.import_job_task(job.pk, language))
        return job
    job.save()
    return import_run(job, sheet=sheet)


def _progress_savers(
    job: ImportJob, slow_write: bool
) -> tuple[Callable[[int], None], Callable[[int, int], None]]:
    """Savers of ``rows_done`` while checking and while writing. When the kind writes
    slowly, checking fills the bar's first half and writing its second."""

    def save(value: int) -> None:
        job.rows_done = max(0, min(value, job.rows_total))
        ImportJob.objects.filter(pk=job.pk).update(rows_done=job.rows_done)

    def checked(done: int) -> None:
        save(done // 2 if slow_write else done)

    def written(done: int, total: int) -> None:
        half = job.rows_total // 2
        save(half + (job.rows_total - half) * done // max(total, 1))

    return checked, written


def import_run(job: ImportJob, *, sheet: Sheet | None = None) -> ImportJob:
    """Check (and unless a dry run, write) the job's file; store the counts and errors.

    Runs in the request for small files and in the worker for large ones. The
    job's user is checked again: a grant revoked meanwhile stops the import.
    """
    importer_cls = registry.get(job.kind)
    job.status = ImportStatus.RUNNING
    job.rows_done = 0
    ImportJob.objects.filter(pk=job.pk).update(status=job.status, rows_done=0)
    try:
        if importer_cls is None or not importer_cls.may_import(job.created_by):
            raise FileRefused(_("You may not import this kind of file."))
        if sheet is None:
            with job.file.open("rb") as handle:
                sheet = read_sheet(handle.read(), job.original_name)
            job.rows_total = len(sheet.rows)
        checked, written = _progress_savers(job, importer_cls.slow_write and not job.dry_run)
        ctx = Context(
            user=job.created_by,
            dry_run=job.dry_run,
            progress=checked,
            write_progress=written if importer_cls.slow_write else None,
            file_name=job.original_name,
        )
        outcome = check_sheet(importer_cls(), sheet, ctx)
    except FileRefused as exc:
        job.status = ImportStatus.FAILED
        job.message = exc.message[:300]
        job.finished_at = timezone.now()
        job.save()
        return job
    except Exception:
        # Nothing was written (the write is one transaction); the job must not stay
        # "running" with its page polling for ever.
        logger.exception("import job %s failed", job.pk)
        job.status = ImportStatus.FAILED
        job.message = _("The import stopped on an unexpected error; nothing was written.")
        job.finished_at = timezone.now()
        job.save()
        return job
    job.status = outcome.status
    job.rows_total = outcome.rows_total
    job.rows_done = outcome.rows_total
    job.created, job.updated, job.unchanged = outcome.created, outcome.updated, outcome.unchanged
    job.errors = [e.as_dict() for e in outcome.errors[:MAX_STORED_ERRORS]]
    job.message = _summary(outcome)[:300]
    if outcome.errors and sheet is not None:
        content = errors_file.build(sheet, outcome.errors)
        job.error_file.save(
            errors_file.file_name(job.original_name), ContentFile(content), save=False
        )
    job.finished_at = timezone.now()
    job.save()
    return job


def _summary(outcome: Outcome) -> str:
    if outcome.status == ImportStatus.REFUSED:
        return _(
            "Nothing was imported: %(n)d errors in %(rows)d rows. Correct them and upload the file again."
        ) % {"n": len(outcome.errors), "rows": outcome.bad_rows}
    counts = {
        "created": outcome.created,
        "updated": outcome.updated,
        "unchanged": outcome.unchanged,
    }
    if outcome.status == ImportStatus.CHECKED:
        return (
            _(
                "Every row is valid. An import would create %(created)d, update %(updated)d "
                "and leave %(unchanged)d unchanged."
            )
            % counts
        )
    return (
        _("Imported: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.") % counts
    )


def import_confirm(*, user: Any, job: ImportJob) -> ImportJob:
    """Import for real the file of a successful dry run (a new job, same file)."""
    if job.created_by_id != getattr(user, "pk", None):
        raise PermissionDenied(_("Only who uploaded the file may import it."))
    if not job.dry_run or job.status != ImportStatus.CHECKED:
        raise ValidationError({"job": [_("Only a checked dry run can be imported.")]})
    with job.file.open("rb") as handle:
        data = handle.read()
    return import_start(user=user, kind=job.kind, file=data, dry_run=False, name=job.original_name)


def import_mark_failed(job_id: int, message: str) -> None:
    """Record an unexpected failure of a background import (the worker caught it)."""
    ImportJob.objects.filter(pk=job_id).update(
        status=ImportStatus.FAILED,
        message=message[:300],
        rows_done=F("rows_total"),
        finished_at=timezone.now(),
    )


__all__ = [
    "Outcome",
    "check_rows",
    "check_sheet",
    "import_confirm",
    "import_run",
    "import_start",
    "map_header",
]
