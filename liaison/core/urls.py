from django.urls import path

from liaison.core import views
from liaison.desk.views import desk

app_name = "core"
urlpatterns = [
    path("", desk, name="home"),  # the desk is the home page
    path("healthz", views.healthz, name="healthz"),
    path("health/", views.health, name="health"),
]
