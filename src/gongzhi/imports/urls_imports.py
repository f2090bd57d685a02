"""Routes of imports under /imports/."""

from django.urls import URLPattern, path

from gongzhi.imports import views

urlpatterns: list[URLPattern] = [
    path("", views.import_list, name="import_list"),
    path("<int:pk>/", views.job, name="job"),
    path("<int:pk>/confirm/", views.job_confirm, name="job_confirm"),
    path("<int:pk>/errors/", views.error_file, name="error_file"),
    path("templates/<slug:kind>/", views.template, name="template"),
    path("export/<slug:kind>/", views.export, name="export"),
]
