"""Routes of the session pages, attendance, absences, plans and activity photos."""

from django.urls import URLPattern, path

from gongzhi.activities import views, views_attendance

urlpatterns: list[URLPattern] = [
    path("", views.session_list, name="session_list"),
    path("photos/<int:pk>/<str:kind>/", views.photo, name="photo"),
    path("attendance/<int:pk>/", views_attendance.attendance_detail, name="attendance_detail"),
    path(
        "attendance/<int:pk>/confirm/",
        views_attendance.attendance_confirm,
        name="attendance_confirm",
    ),
    path(
        "attendance/<int:pk>/correct/",
        views_attendance.attendance_correct,
        name="attendance_correct",
    ),
    path("<int:session_id>/", views.session_detail, name="session_detail"),
    path("<int:session_id>/<str:community_code>/plan/", views.plan_edit, name="plan_edit"),
    path(
        "<int:session_id>/<str:community_code>/attendance/",
        views_attendance.attendance_form,
        name="attendance_form",
    ),
    path(
        "<int:session_id>/<str:community_code>/absence/",
        views_attendance.absence_form,
        name="absence_form",
    ),
]
