from django.urls import path

from gongzhi.campaigns import views

app_name = "campaigns"
urlpatterns = [
    path("", views.campaign_list, name="campaign_list"),
    path("calendar/", views.calendar, name="calendar"),
    path("holidays/", views.holiday_year, name="holiday_year"),
    path("new/", views.campaign_create, name="campaign_create"),
    path("<slug:slug>/", views.campaign_detail, name="campaign_detail"),
    path("<slug:slug>/rule/", views.campaign_rule, name="campaign_rule"),
    path("<slug:slug>/edit/", views.campaign_edit, name="campaign_edit"),
    path(
        "<slug:slug>/sessions/<int:session_id>/cancel/",
        views.session_cancel,
        name="session_cancel",
    ),
]
