from django.urls import path

from liaison.cooperation import views

app_name = "cooperation"
urlpatterns = [
    path("", views.group_list, name="list"),
    path("new/", views.group_create, name="create"),
    path("<uuid:uid>/", views.group_detail, name="detail"),
    path("<uuid:uid>/edit/", views.group_edit, name="edit"),
    path("<uuid:uid>/members/", views.group_members, name="members"),
    path("<uuid:uid>/meetings/new/", views.group_meeting, name="meeting"),
]
