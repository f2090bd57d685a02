"""Pages of imports under /imports/: upload, follow a job, download templates and error files.

Thin: jobs are read through :mod:`queries` and started through :mod:`services`.
"""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gongzhi.core.scoping import get_visible_or_404
from gongzhi.imports import errors_file, exporting, queries, registry, services, templates_xlsx
from gongzhi.imports.forms import ImportForm
from gongzhi.imports.models import ImportJob, ImportStatus

RUNNING = (ImportStatus.QUEUED, ImportStatus.RUNNING)


def _job_or_404(request: HttpRequest, pk: int) -> ImportJob:
    return get_visible_or_404(queries.imports_visible_to(request.user), pk=pk)


@login_required
def import_list(request: HttpRequest) -> HttpResponse:
    """The upload form, a template per kind, and the user's latest jobs."""
    kinds = registry.kinds_for(request.user)
    if not kinds:
        raise PermissionDenied(_("You may not import files."))
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                job = services.import_start(
                    user=request.user,
                    kind=form.cleaned_data["kind"],
                    file=form.cleaned_data["file"],
                    dry_run=form.cleaned_data["dry_run"],
                )
            except ValidationError as exc:
                form.add_service_error(exc)
            except PermissionDenied as exc:
                form.add_error("kind", str(exc))
            else:
                return redirect("imports:job", pk=job.pk)
        status = 400
    jobs = queries.recent_imports(request.user)
    titles = {cls.kind: cls.title for cls in registry.kinds()}
    for item in jobs:
        item.kind_title = titles.get(item.kind, item.kind)  # type: ignore[attr-defined]
    return render(
        request,
        "imports/import_list.html",
        {"form": form, "kinds": kinds, "jobs": jobs},
        status=status,
    )


@login_required
@require_GET
def job(request: HttpRequest, pk: int) -> HttpResponse:
    """A job's status; while it runs, htmx polls the progress bar (``?progress=1``)."""
    item = _job_or_404(request, pk)
    context = {"job": item, "running": item.status in RUNNING}
    if request.GET.get("progress") and getattr(request, "htmx", False):
        response = render(request, "imports/_progress.html", context)
        if not context["running"]:
            response["HX-Refresh"] = "true"  # finished: show the counts and errors
        return response
    context["importer"] = registry.get(item.kind)
    context["errors_cut"] = len(item.errors) >= services.MAX_STORED_ERRORS
    return render(request, "imports/job.html", context)


@login_required
@require_POST
def job_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Import for real the file of a successful dry run."""
    item = _job_or_404(request, pk)
    try:
        new = services.import_confirm(user=request.user, job=item)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect("imports:job", pk=item.pk)
    return redirect("imports:job", pk=new.pk)


@login_required
@require_GET
def template(request: HttpRequest, kind: str) -> FileResponse:
    importer = registry.get(kind)
    if importer is None or not importer.may_import(request.user):
        raise Http404
    content = templates_xlsx.build(importer, request.user)
    return FileResponse(
        io.BytesIO(content), as_attachment=True, filename=templates_xlsx.file_name(importer)
    )


@login_required
@require_GET
def error_file(request: HttpRequest, pk: int) -> FileResponse:
    item = _job_or_404(request, pk)
    if not item.error_file:
        raise Http404
    return FileResponse(
        item.error_file.open("rb"),
        as_attachment=True,
        filename=errors_file.file_name(item.original_name),
    )


@login_required
@require_GET
def export(request: HttpRequest, kind: str) -> FileResponse:
    """What the reader sees of a kind, as an xlsx in the import format: the same Chinese
    headers as the template, so the file can be corrected and imported back. Offered to
    those who may import the kind (the columns include phones and ID numbers)."""
    importer = registry.get(kind)
    if importer is None or not importer.may_import(request.user):
        raise Http404
    try:
        content, _count = exporting.export_xlsx(importer, request.user)
    except NotImplementedError:
        raise Http404 from None
    stamp = timezone.localdate().strftime("%Y%m%d")
    name = f"{importer.sheet_name or importer.kind}-{stamp}.xlsx"
    return FileResponse(io.BytesIO(content), as_attachment=True, filename=name)
