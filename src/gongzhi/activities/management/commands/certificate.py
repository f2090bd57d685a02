"""``gongzhi certificate NUMBER --out FILE.docx|.pdf``: write an issued certificate to a file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from gongzhi.activities import certificates
from gongzhi.activities.models import VolunteerCertificate


class Command(BaseCommand):
    help = (
        "Write a certificate of volunteer service hours (志愿服务时长证明) as DOCX or PDF, "
        "from the content frozen when it was issued."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("number", help="the certificate number, e.g. ZYSC2026-000001")
        parser.add_argument(
            "--out", required=True, help="the file to write; .docx or .pdf chooses the format"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        kind = out.suffix.lower().lstrip(".")
        if kind not in ("docx", "pdf"):
            raise CommandError(_("The output file must end in .docx or .pdf."))
        try:
            certificate = VolunteerCertificate.objects.get(number=options["number"].strip())
        except VolunteerCertificate.DoesNotExist as exc:
            raise CommandError(
                _("No certificate %(number)s.") % {"number": options["number"]}
            ) from exc
        try:
            body, _content_type = certificates.render(certificate, kind)
        except certificates.FontMissing as exc:
            raise CommandError(str(exc)) from exc
        try:
            out.write_bytes(body)
        except OSError as exc:
            raise CommandError(
                _("Cannot write %(file)s: %(error)s") % {"file": out, "error": exc.strerror}
            ) from exc
        self.stdout.write(
            _("Wrote %(number)s to %(file)s.") % {"number": certificate.number, "file": out}
        )
