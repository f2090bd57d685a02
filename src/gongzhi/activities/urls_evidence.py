"""Routes of the evidence flags the city office reviews, under /sessions/flags/."""

from django.urls import URLPattern, path

from gongzhi.activities import views_evidence as views

urlpatterns: list[URLPattern] = [
    path("flags/", views.flags, name="flags"),
    path("flags/<int:pk>/review/", views.flag_review, name="flag_review"),
]
