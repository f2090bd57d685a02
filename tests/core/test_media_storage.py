"""MEDIA_STORAGE picks where photos, receipts, bulletins and import files are kept."""

from __future__ import annotations

import os
import subprocess
import sys

PROBE = (
    "import django; django.setup(); "
    "from django.core.files.storage import storages; s = storages['default']; "
    "print(type(s).__name__, s.bucket_name, s.default_acl); "
    "print(s.url('photos/a.jpg'))"
)


def _run(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and probe
        [sys.executable, "-c", PROBE],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "gongzhi.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_s3_keeps_media_private_in_the_named_bucket() -> None:
    done = _run(
        MEDIA_STORAGE="s3",
        S3_BUCKET="gongzhi-media",
        S3_ENDPOINT_URL="http://127.0.0.1:9000",
        S3_ACCESS_KEY_ID="key",
        S3_SECRET_ACCESS_KEY="secret",  # noqa: S106 - a placeholder for the test
        S3_REGION="cn-north-1",
    )
    assert done.returncode == 0, done.stderr
    first, url = done.stdout.splitlines()[:2]
    assert first == "S3Storage gongzhi-media private"
    # Links to files are signed and expire: nothing in the bucket is public.
    assert url.startswith("http://127.0.0.1:9000/gongzhi-media/photos/a.jpg?")
    assert "Signature" in url or "X-Amz-Signature" in url


def test_an_unknown_storage_is_refused_with_the_choices() -> None:
    done = _run(MEDIA_STORAGE="ftp")
    assert done.returncode != 0
    assert "use 'local' (the default) or 's3'" in done.stderr
