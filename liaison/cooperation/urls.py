from django.urls import path

from liaison.cooperation import case_views, views

app_name = "cooperation"
urlpatterns = [
    path("", views.group_list, name="list"),
    path("new/", views.group_create, name="create"),
    path("<uuid:uid>/", views.group_detail, name="detail"),
    path("<uuid:uid>/edit/", views.group_edit, name="edit"),
    path("<uuid:uid>/members/", views.group_members, name="members"),
    path("<uuid:uid>/meetings/new/", views.group_meeting, name="meeting"),
    path(
        "<uuid:uid>/meetings/<uuid:meeting>/follow-up/",
        views.meeting_follow_up,
        name="follow_up",
    ),
    path("<uuid:uid>/cases/new/", case_views.case_create, name="case_create"),
    path("cases/", case_views.case_board, name="cases"),
    path("cases/<uuid:uid>/", case_views.case_detail, name="case"),
    path("cases/<uuid:uid>/<str:step>/", case_views.case_step, name="case_step"),
]
