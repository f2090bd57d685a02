from django.urls import path

from gongzhi.units import views

app_name = "units"

urlpatterns = [
    path("", views.unit_list, name="unit_list"),
    path("new/", views.unit_create, name="unit_create"),
    path("pairings/", views.pairing_list, name="pairing_list"),
    path("pairings/new/", views.pairing_create, name="pairing_create"),
    path("pairings/<int:pk>/end/", views.pairing_end, name="pairing_end"),
    path("pairings/<int:pk>/archive/", views.pairing_archive, name="pairing_archive"),
    path("members/", views.member_list, name="member_list"),
    path("members/<int:pk>/edit/", views.member_edit, name="member_edit"),
    path("members/<int:pk>/archive/", views.member_archive, name="member_archive"),
    path("<str:code>/", views.unit_detail, name="unit_detail"),
    path("<str:code>/edit/", views.unit_edit, name="unit_edit"),
    path("<str:code>/archive/", views.unit_archive, name="unit_archive"),
    path("<str:code>/restore/", views.unit_restore, name="unit_restore"),
    path("<str:code>/members/new/", views.member_create, name="member_create"),
]
