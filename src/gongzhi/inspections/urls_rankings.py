"""Routes of the rankings under /inspections/rankings/."""

from django.urls import URLPattern, path

from gongzhi.inspections import views_rankings

urlpatterns: list[URLPattern] = [
    path("rankings/", views_rankings.ranking, name="ranking"),
    path("rankings/rules/", views_rankings.rules, name="rules"),
]
