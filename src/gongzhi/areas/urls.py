from django.urls import path

from gongzhi.areas import views

app_name = "areas"

urlpatterns = [
    path("", views.district_list, name="district_list"),
    path("districts/new/", views.district_create, name="district_create"),
    path("districts/<str:code>/", views.district_detail, name="district_detail"),
    path("districts/<str:code>/edit/", views.district_edit, name="district_edit"),
    path("districts/<str:code>/archive/", views.district_archive, name="district_archive"),
    path("districts/<str:code>/restore/", views.district_restore, name="district_restore"),
    path("districts/<str:code>/streets/new/", views.street_create, name="street_create"),
    path("streets/<str:code>/", views.street_detail, name="street_detail"),
    path("streets/<str:code>/edit/", views.street_edit, name="street_edit"),
    path("streets/<str:code>/archive/", views.street_archive, name="street_archive"),
    path("streets/<str:code>/restore/", views.street_restore, name="street_restore"),
    path("communities/", views.community_list, name="community_list"),
    path("communities/new/", views.community_create, name="community_create"),
    path("communities/<str:code>/", views.community_detail, name="community_detail"),
    path("communities/<str:code>/edit/", views.community_edit, name="community_edit"),
    path("communities/<str:code>/archive/", views.community_archive, name="community_archive"),
    path("communities/<str:code>/restore/", views.community_restore, name="community_restore"),
    path("communities/<str:code>/compounds/new/", views.compound_create, name="compound_create"),
    path("compounds/<int:pk>/", views.compound_detail, name="compound_detail"),
    path("compounds/<int:pk>/edit/", views.compound_edit, name="compound_edit"),
    path("compounds/<int:pk>/archive/", views.compound_archive, name="compound_archive"),
    path("compounds/<int:pk>/restore/", views.compound_restore, name="compound_restore"),
]
