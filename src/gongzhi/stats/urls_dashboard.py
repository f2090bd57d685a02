"""Routes of the dashboards under /stats/ (namespace ``stats``)."""

from django.urls import URLPattern, path

from gongzhi.stats import views_dashboard as views
from gongzhi.stats import views_public

urlpatterns: list[URLPattern] = [
    path("", views.overview, name="overview"),
    path("data/", views.data, name="data"),
    path("screen/", views.screen, name="screen"),
    path("screen/data/", views.screen_data, name="screen_data"),
    path("units/", views.units, name="units"),
    path("units/<str:code>/", views.unit, name="unit"),
    path("communities/", views.communities, name="communities"),
    path("communities/<str:code>/", views.community, name="community"),
    path("map/", views.problem_map, name="map"),
    path("map/data/", views.map_data, name="map_data"),
    path("export/<slug:table>/", views.export, name="export"),
    path("public/", views_public.public_figures, name="public"),
]
