from django.urls import path

from liaison.assistance import views
from liaison.attachments import views as attachments

app_name = "assistance"
urlpatterns = [
    path("", views.request_list, name="list"),
    path("new/", views.request_create, name="create"),
    path("export.csv", views.request_export, name="export"),
    path("<uuid:uid>/", views.request_detail, name="detail"),
    *attachments.urls("request"),
    path("<uuid:uid>/<slug:step>/", views.request_step, name="step"),
]
