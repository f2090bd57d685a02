"""Routes of check-in, volunteer hours and certificates, under /sessions/."""

from django.urls import URLPattern, path

from gongzhi.activities import views_checkin as views

urlpatterns: list[URLPattern] = [
    path("checkin/<str:token>/", views.checkin, name="checkin"),
    path("checkins/<int:checkin_id>/checkout/", views.checkin_checkout, name="checkin_checkout"),
    path("me/", views.my_checkins, name="my_checkins"),
    path("hours/", views.unit_hours, name="unit_hours"),
    path("hours/export/", views.hours_export, name="hours_export"),
    path("hours/<int:member_id>/certificate/", views.certificate_issue, name="certificate_issue"),
    path("certificates/<str:number>/", views.certificate_detail, name="certificate_detail"),
    path("certificates/<str:number>/docx/", views.certificate_docx, name="certificate_docx"),
    path("certificates/<str:number>/pdf/", views.certificate_pdf, name="certificate_pdf"),
    path("<int:session_id>/checkins/", views.checkin_table, name="checkin_table"),
    path("<int:session_id>/<str:community_code>/qr/", views.checkin_qr, name="checkin_qr"),
    path(
        "<int:session_id>/<str:community_code>/certify/",
        views.checkin_certify,
        name="checkin_certify",
    ),
]
