"""``gongzhi import``, ``gongzhi template`` and ``gongzhi export``."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from gongzhi.units.models import Unit
from tests.factories import World, make_credit_code
from tests.imports.files import read_xlsx, xlsx_bytes, xlsx_cell_kinds

pytestmark = pytest.mark.django_db

HEADER = ["统一社会信用代码", "单位名称", "单位类型"]


def write(tmp_path: Path, rows: list[list[Any]], name: str = "units.xlsx") -> Path:
    path = tmp_path / name
    path.write_bytes(xlsx_bytes(rows))
    return path


def rows(n: int = 2) -> list[list[Any]]:
    return [HEADER, *[[make_credit_code(9700 + i), f"第{i}单位", "企业"] for i in range(n)]]


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_prints_the_counts(world: World, tmp_path: Path) -> None:
    out, _err = run("import", "units", str(write(tmp_path, rows())), "--user", "office")
    assert "created: 2, updated: 0, unchanged: 0" in out
    assert Unit.objects.filter(code=make_credit_code(9700)).exists()


def test_import_dry_run_writes_nothing(world: World, tmp_path: Path) -> None:
    out, _err = run(
        "import", "units", str(write(tmp_path, rows())), "--dry-run", "--user", "office"
    )
    assert "would create 2" in out
    assert not Unit.objects.filter(code=make_credit_code(9700)).exists()


def test_import_runs_as_the_first_superuser_by_default(
    world: World, tmp_path: Path, django_user_model: Any
) -> None:
    django_user_model.objects.create_superuser("root", password="x")
    out, _err = run("import", "units", str(write(tmp_path, rows())))
    assert "created: 2" in out


def test_a_refused_file_prints_every_error_with_row_and_column_and_fails(
    world: World, tmp_path: Path
) -> None:
    data = rows(3)
    data[2][2] = "学校"
    data[3][0] = "123"
    err = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("import", "units", str(write(tmp_path, data)), "--user", "office", stderr=err)
    assert exc.value.returncode == 1
    text = err.getvalue()
    assert "row 3 [单位类型]" in text
    assert "row 4 [统一社会信用代码]" in text
    assert not Unit.objects.filter(code=make_credit_code(9700)).exists()


def test_unknown_kinds_users_and_files_are_command_errors(world: World, tmp_path: Path) -> None:
    path = write(tmp_path, rows())
    with pytest.raises(CommandError, match="Unknown kind"):
        run("import", "weather", str(path), "--user", "office")
    with pytest.raises(CommandError, match="No active user"):
        run("import", "units", str(path), "--user", "ghost")
    with pytest.raises(CommandError, match="No such file"):
        run("import", "units", str(tmp_path / "missing.xlsx"), "--user", "office")
    with pytest.raises(CommandError, match="may not"):
        run("import", "units", str(path), "--user", "unit")


def test_a_large_file_is_imported_by_the_command_itself(
    world: World, tmp_path: Path, settings: Any
) -> None:
    settings.IMPORT_BACKGROUND_ROWS = 1
    out, _err = run("import", "units", str(write(tmp_path, rows(3))), "--user", "office")
    assert "created: 3" in out


def test_template_writes_the_kind_s_template(world: World, tmp_path: Path) -> None:
    path = tmp_path / "members.xlsx"
    run("template", "members", str(path), "--user", "office")
    book = load_workbook(path)
    assert book.worksheets[0]["B1"].value == "姓名"
    assert "填写说明" in book.sheetnames


def test_export_writes_xlsx_and_csv_in_the_import_format_formula_safe(
    world: World, tmp_path: Path
) -> None:
    world.unit_free.name = "=1+2"
    world.unit_free.save()
    xlsx = tmp_path / "units.xlsx"
    out, _err = run("export", "units", str(xlsx), "--user", "office")
    assert f"{Unit.objects.count()} rows" in out
    content = xlsx.read_bytes()
    sheet = read_xlsx(content)
    assert sheet[0][0] == "统一社会信用代码"
    position = next(i for i, r in enumerate(sheet) if r[0] == world.unit_free.code)
    assert xlsx_cell_kinds(content)[(position, 1)] == "s"
    csv_path = tmp_path / "units.csv"
    run("export", "units", str(csv_path), "--user", "office")
    assert "'=1+2" in csv_path.read_text(encoding="utf-8-sig")


def test_an_export_imports_back_without_change(world: World, tmp_path: Path) -> None:
    path = tmp_path / "pairings.xlsx"
    run("export", "pairings", str(path), "--user", "office")
    out, _err = run("import", "pairings", str(path), "--user", "office")
    assert "created: 0, updated: 0, unchanged: 2" in out
