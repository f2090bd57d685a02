from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from gongzhi.api import api
from gongzhi.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("login/", core_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("areas/", include("gongzhi.areas.urls")),
    path("units/", include("gongzhi.units.urls")),
    path("campaigns/", include("gongzhi.campaigns.urls")),
    path("problems/", include("gongzhi.problems.urls")),
    path("sessions/", include("gongzhi.activities.urls")),
    path("inspections/", include("gongzhi.inspections.urls")),
    path("stats/", include("gongzhi.stats.urls")),
    path("imports/", include("gongzhi.imports.urls")),
    path("open311/v2/", include("gongzhi.problems.open311_urls")),
    path("", include("gongzhi.problems.urls_public")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
