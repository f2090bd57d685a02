"""`gongzhi backup` and `gongzhi restore`: everything comes back, or nothing is written."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError

from gongzhi.areas.models import Community, District
from gongzhi.core.backup import BackupError, backup_restore, backup_write
from gongzhi.core.models import User
from gongzhi.units.models import Pairing, Unit
from tests import factories


@pytest.mark.django_db(transaction=True)
def test_a_backup_restored_into_an_empty_database_brings_back_rows_and_files(
    tmp_path: Path,
) -> None:
    world = factories.build_world()
    stored = default_storage.save("photos/test/receipt.jpg", ContentFile(b"jpeg bytes"))
    counts = {model: model.objects.count() for model in (User, District, Community, Unit, Pairing)}
    path = tmp_path / "b.zip"

    info = backup_write(path)

    assert info.files >= 1 and info.rows >= sum(counts.values())
    call_command("flush", interactive=False, verbosity=0)
    default_storage.delete(stored)
    assert not Unit.objects.exists()

    backup_restore(path)

    assert {model: model.objects.count() for model in counts} == counts
    assert Unit.objects.get(code=world.unit_a.code).name == world.unit_a.name
    assert User.objects.get(username="office").grants.exists()
    with default_storage.open(stored, "rb") as handle:
        assert handle.read() == b"jpeg bytes"


@pytest.mark.django_db
def test_restoring_into_a_database_in_use_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    factories.build_world()
    path = tmp_path / "b.zip"
    backup_write(path)
    units = Unit.objects.count()
    with pytest.raises(BackupError, match="already holds data"):
        backup_restore(path)
    assert Unit.objects.count() == units


@pytest.mark.django_db
def test_a_file_that_is_not_a_backup_is_refused(tmp_path: Path) -> None:
    plain = tmp_path / "notes.txt"
    plain.write_text("hello")
    with pytest.raises(BackupError, match="not a zip"):
        backup_restore(plain)
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("manifest.json", json.dumps({"format": "something-else/9"}))
    with pytest.raises(BackupError, match="format"):
        backup_restore(other)


@pytest.mark.django_db
def test_a_backup_of_other_migrations_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "b.zip"
    backup_write(path)
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        data = archive.read("data.json")
    manifest["migrations"]["units"] = "9999_from_the_future"
    changed = tmp_path / "changed.zip"
    with zipfile.ZipFile(changed, "w") as archive:
        archive.writestr("manifest.json", json.dumps(manifest))
        archive.writestr("data.json", data)
    with pytest.raises(BackupError, match="units"):
        backup_restore(changed)


@pytest.mark.django_db
def test_the_commands_write_and_name_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    factories.build_world()
    path = tmp_path / "nightly.zip"
    call_command("backup", str(path))
    assert "rows" in capsys.readouterr().out
    assert zipfile.is_zipfile(path)
    with pytest.raises(CommandError, match="already holds data"):
        call_command("restore", str(path))
    with pytest.raises(CommandError, match="no such file"):
        call_command("restore", str(tmp_path / "missing.zip"))
