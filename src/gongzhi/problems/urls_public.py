"""Public pages for residents, no login: report a problem, follow it, rate it (namespace ``public``)."""

from django.urls import path

from gongzhi.problems import views_public

app_name = "public"

urlpatterns = [
    path("report/", views_public.report, name="report"),
    path("report/outlines.geojson", views_public.outlines, name="outlines"),
    path("report/done/<str:number>/", views_public.report_done, name="report_done"),
    path("follow/", views_public.follow_lookup, name="follow_lookup"),
    path("follow/<str:number>/", views_public.follow, name="follow"),
    path("follow/<str:number>/rate/", views_public.rate, name="rate"),
]
