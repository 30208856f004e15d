from django.urls import path

from liaison.desk import views

app_name = "desk"
urlpatterns = [
    path("read/", views.mark_all_read, name="mark_all_read"),
    path("<slug:source>/<uuid:key>/", views.open_item, name="open"),
]
