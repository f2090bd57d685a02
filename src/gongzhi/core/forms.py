"""What every form of the registry pages shares: Bootstrap classes and service errors."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError


class DateInput(forms.DateInput):
    """The browser's date picker. Its value is always ISO (2021-09-10): the active
    language's date format (2021/09/10 in zh-Hans) would leave the picker empty."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class BootstrapForm(forms.Form):
    """Bootstrap classes on every widget, and ``is-invalid`` on fields with errors."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = css

    def full_clean(self) -> None:
        super().full_clean()
        self.mark_invalid()

    def mark_invalid(self) -> None:
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                css = widget.attrs.get("class", "")
                if "is-invalid" not in css.split():
                    widget.attrs["class"] = f"{css} is-invalid"

    def add_service_error(self, exc: ValidationError, names: dict[str, str] | None = None) -> None:
        """Put a service's errors next to the fields they name (others at the top).

        ``names`` maps a service's argument name to the form field that holds it,
        where the two differ.
        """
        names = names or {}
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                target = names.get(field, field)
                self.add_error(target if target in self.fields else None, errors)
        else:
            self.add_error(None, exc)
        self.mark_invalid()
