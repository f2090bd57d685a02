"""The change history of a registry row, read from django-simple-history for its page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Field, ForeignKey, Model
from django.utils.translation import gettext_lazy as _

from gongzhi.core.archive import ARCHIVED, RESTORED

HISTORY_LIMIT = 20

KINDS = {"+": _("created"), "~": _("changed"), "-": _("deleted")}
REASONS = {ARCHIVED: _("archived"), RESTORED: _("restored")}


@dataclass
class Change:
    name: str
    field: str
    old: Any
    new: Any


@dataclass
class HistoryEntry:
    when: datetime
    who: Any
    what: Any
    changes: list[Change] = field(default_factory=list)


def history_of(obj: Model, limit: int = HISTORY_LIMIT) -> list[HistoryEntry]:
    """The newest ``limit`` changes of ``obj``: who, when, and each field's old and new value.

    A fixed number of queries whatever the length: the records (one more than
    shown, to diff the oldest shown), and the names of related rows that changed.
    """
    manager = obj.history  # type: ignore[attr-defined]
    records = list(manager.select_related("history_user")[: limit + 1])
    fields: dict[str, Field[Any, Any]] = {
        f.name: f for f in type(obj)._meta.concrete_fields if isinstance(f, Field)
    }
    entries: list[HistoryEntry] = []
    related: dict[str, set[Any]] = {}
    for index, record in enumerate(records[:limit]):
        previous = records[index + 1] if index + 1 < len(records) else None
        what = REASONS.get(record.history_change_reason or "", KINDS.get(record.history_type))
        entry = HistoryEntry(when=record.history_date, who=record.history_user, what=what)
        if previous is not None and record.history_type == "~":
            for change in record.diff_against(previous).changes:
                model_field = fields.get(change.field)
                if model_field is None or change.field == "archived_at":
                    continue
                if isinstance(model_field, ForeignKey):
                    related.setdefault(change.field, set()).update({change.old, change.new})
                entry.changes.append(
                    Change(
                        name=change.field,
                        field=str(model_field.verbose_name),
                        old=change.old,
                        new=change.new,
                    )
                )
        entries.append(entry)
    names: dict[tuple[str, Any], str] = {}
    for name, pks in related.items():
        target = fields[name].related_model
        if isinstance(target, type) and issubclass(target, Model):
            rows = target._default_manager.in_bulk([pk for pk in pks if pk is not None])
            names.update({(name, pk): str(row) for pk, row in rows.items()})
    for entry in entries:
        for change in entry.changes:
            change.old = names.get((change.name, change.old), change.old)
            change.new = names.get((change.name, change.new), change.new)
    return entries
