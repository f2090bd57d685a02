"""Routes of one inspection (the form, its autosave, findings, the page, the correction)
and of the checklists."""

from django.urls import URLPattern, path

from gongzhi.inspections import views

ONE = "rounds/<int:number>/units/<str:code>/"

urlpatterns: list[URLPattern] = [
    path(ONE, views.inspection_form, name="inspection_form"),
    path(f"{ONE}save/", views.inspection_save, name="inspection_save"),
    path(f"{ONE}view/", views.inspection_detail, name="inspection_detail"),
    path(f"{ONE}correct/", views.inspection_correct, name="inspection_correct"),
    path(f"{ONE}findings/", views.finding_add, name="finding_add"),
    path(f"{ONE}findings/<int:pk>/delete/", views.finding_delete, name="finding_delete"),
    path("findings/photos/<int:pk>/<str:kind>/", views.finding_photo, name="finding_photo"),
    path("checklists/", views.checklist_list, name="checklist_list"),
    path("checklists/<int:pk>/", views.checklist_detail, name="checklist_detail"),
    path("checklists/<int:pk>/edit/", views.checklist_edit, name="checklist_edit"),
]
