"""Imports that meet the unexpected still end: refused or failed, never stuck, never partial."""

from __future__ import annotations

from typing import Any

import pytest

from gongzhi.imports.kinds_registry import UnitImporter
from gongzhi.imports.models import ImportStatus
from gongzhi.units.models import Unit
from tests.factories import World, make_credit_code
from tests.imports.files import run_import, xlsx_bytes
from tests.imports.test_kind_units import rows

pytestmark = pytest.mark.django_db


def test_a_nul_character_in_a_cell_is_an_error_naming_its_row_and_column(world: World) -> None:
    sheet = rows(3)
    sheet[2][1] = "白云\x00单位"
    # Excel writes it as _x0000_, which the reader gives back as NUL.
    job = run_import(world.users["office"], "units", xlsx_bytes(sheet))
    assert job.status == ImportStatus.REFUSED
    assert [(e["row"], e["field"]) for e in job.errors] == [(3, "单位名称")]
    assert "NUL" in job.errors[0]["message"]
    assert not Unit.objects.filter(code=sheet[1][0]).exists()


def test_a_long_file_name_still_leaves_a_history_reason(world: World) -> None:
    name = (
        "2021年第三季度各区县及市直单位下沉社区报到情况汇总表（最终核对版，已按督导组意见修改）" * 2
    )
    job = run_import(world.users["office"], "units", xlsx_bytes(rows(1)), name=f"{name}.xlsx")
    assert job.status == ImportStatus.DONE, job.errors
    reason = Unit.objects.get(code=rows(1)[1][0]).history.first().history_change_reason
    assert reason.startswith("imported from 2021年") and len(reason) <= 100


def test_an_unexpected_failure_while_writing_fails_the_job_and_writes_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: Any, plan: Any, ctx: Any) -> None:
        Unit.objects.create(code=make_credit_code(9990), name="写了一半", kind="agency")
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(UnitImporter, "write", broken)
    job = run_import(world.users["office"], "units", xlsx_bytes(rows(2)))
    assert job.status == ImportStatus.FAILED
    assert "nothing was written" in job.message
    assert not Unit.objects.filter(name="写了一半").exists()
    assert not Unit.objects.filter(code=rows(2)[1][0]).exists()
