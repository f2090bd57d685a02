"""Pieces the registry pages share: the form page, the archive page, restoring.

Each app keeps its own templates and messages; these helpers hold the flow.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from gongzhi.core.forms import BootstrapForm


def wants_archived(request: HttpRequest) -> bool:
    """Whether the reader asked to see archived rows too (``?archived=1``)."""
    return request.GET.get("archived") == "1"


def error_text(exc: ValidationError) -> str:
    """A service's refusal as one line for a message or a page."""
    return " ".join(str(m) for m in exc.messages)


def changed_values(form: BootstrapForm, initial: dict[str, Any]) -> dict[str, Any]:
    """The cleaned values that differ from what the object had."""
    return {k: v for k, v in form.cleaned_data.items() if initial.get(k) != v}


def form_page(
    request: HttpRequest,
    *,
    template: str,
    form: BootstrapForm,
    title: str,
    cancel_url: str,
    save: Callable[[dict[str, Any]], Any],
    done_url: Callable[[Any], str],
    names: dict[str, str] | None = None,
) -> HttpResponse:
    """Show ``form``; on a valid POST call ``save`` (a service) and go to ``done_url``.

    A service's ``ValidationError`` comes back on the form (400), next to the
    fields it names; ``names`` maps service argument names to form fields.
    """
    if request.method == "POST" and form.is_valid():
        try:
            obj = save(form.cleaned_data)
        except ValidationError as exc:
            form.add_service_error(exc, names)
        else:
            messages.success(request, _("Saved."))
            return redirect(done_url(obj))
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "title": title, "cancel_url": cancel_url}
    return render(request, template, context, status=status)


def archive_page(
    request: HttpRequest,
    *,
    template: str,
    obj: Any,
    allowed: bool,
    archive: Callable[[], Any],
    back_url: str,
    done_url: str,
    done_message: str,
) -> HttpResponse:
    """GET asks for confirmation; POST archives, or shows why it cannot (400)."""
    if not allowed:
        raise PermissionDenied(_("You may not archive %(obj)s.") % {"obj": obj})
    error = None
    if request.method == "POST":
        try:
            archive()
        except ValidationError as exc:
            error = error_text(exc)
        else:
            messages.success(request, done_message)
            return redirect(done_url)
    context = {"obj": obj, "back_url": back_url, "error": error}
    return render(request, template, context, status=400 if error else 200)


def restore_then_redirect(
    request: HttpRequest, *, restore: Callable[[], Any], url: str, done_message: str
) -> HttpResponse:
    """Restore an archived row and go back to ``url``, with the outcome as a message."""
    try:
        restore()
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, done_message)
    return redirect(url)
