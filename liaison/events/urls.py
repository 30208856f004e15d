from django.urls import path

from liaison.events import views

app_name = "events"
urlpatterns = [
    path("", views.event_list, name="list"),
    path("new/", views.event_create, name="create"),
    path("<uuid:uid>/", views.event_detail, name="detail"),
    path("<uuid:uid>/edit/", views.event_edit, name="edit"),
    path("<uuid:uid>/share/", views.event_share, name="share"),
]
