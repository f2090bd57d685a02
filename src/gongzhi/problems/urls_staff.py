"""Routes of the ledger and problem pages (included under /problems/, namespace ``problems``)."""

from django.urls import URLPattern, path

from gongzhi.problems import views, views_problem

urlpatterns: list[URLPattern] = [
    path("", views.ledger, name="ledger"),
    path("map.geojson", views.ledger_geojson, name="ledger_geojson"),
    path("new/", views.problem_create, name="create"),
    path("new/similar/", views.similar, name="similar"),
    path("new/compounds/", views.compound_options, name="compound_options"),
    path("photos/<int:pk>/<str:kind>/", views_problem.problem_photo, name="photo"),
    # Last: a public number such as 2026-000123.
    path("<str:number>/", views_problem.problem_detail, name="detail"),
    path("<str:number>/act/", views_problem.problem_transition, name="transition"),
]
