"""The upload form: a kind the user may import, a file, and whether to only check it."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.core.forms import BootstrapForm
from gongzhi.imports import registry


class ImportForm(BootstrapForm):
    kind = forms.ChoiceField(label=_("What the file holds"))
    file = forms.FileField(
        label=_("File"),
        help_text=_("xlsx (first sheet), or CSV in UTF-8 or GB18030; header in row 1."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.xlsm,.ods,.csv,.txt"}),
    )
    dry_run = forms.BooleanField(
        label=_("Only check the file (dry run): show what would change, write nothing"),
        required=False,
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = cast(forms.ChoiceField, self.fields["kind"])
        kind.choices = [(cls.kind, cls.title) for cls in registry.kinds_for(user)]
