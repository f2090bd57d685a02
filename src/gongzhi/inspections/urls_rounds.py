"""Routes of rounds, groups and the assignment (the list of rounds is /inspections/)."""

from django.urls import URLPattern, path

from gongzhi.inspections import views_rounds as views

ROUND = "rounds/<int:number>/"

urlpatterns: list[URLPattern] = [
    path("", views.round_list, name="round_list"),
    path("rounds/new/", views.round_create, name="round_create"),
    path(ROUND, views.round_detail, name="round_detail"),
    path(f"{ROUND}assign/", views.round_assign, name="round_assign"),
    path(f"{ROUND}open/", views.round_open, name="round_open"),
    path(f"{ROUND}close/", views.round_close, name="round_close"),
    path(f"{ROUND}assignments/", views.assignment_edit, name="assignment_edit"),
    path(f"{ROUND}assignments/move/", views.assignment_move, name="assignment_move"),
    path("groups/", views.group_list, name="group_list"),
    path("groups/new/", views.group_create, name="group_create"),
    path("groups/<int:pk>/", views.group_detail, name="group_detail"),
    path("groups/<int:pk>/edit/", views.group_edit, name="group_edit"),
]
