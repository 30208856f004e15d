from django.urls import path

from liaison.events import ban_views, list_views, report_views, views

app_name = "events"
LIST = "<uuid:uid>/lists/<uuid:list_uid>/"
urlpatterns = [
    path("", views.event_list, name="list"),
    path("new/", views.event_create, name="create"),
    path("<uuid:uid>/", views.event_detail, name="detail"),
    path("<uuid:uid>/edit/", views.event_edit, name="edit"),
    path("<uuid:uid>/share/", views.event_share, name="share"),
    path("<uuid:uid>/four-eyes/", list_views.event_four_eyes, name="four_eyes"),
    path("<uuid:uid>/report/", report_views.event_report, name="report"),
    path("<uuid:uid>/report.csv", report_views.event_report_csv, name="report_csv"),
    path("<uuid:uid>/report.pdf", report_views.event_report_pdf, name="report_pdf"),
    path("<uuid:uid>/lists/new/", list_views.list_upload, name="list_upload"),
    path(LIST, list_views.list_detail, name="list_detail"),
    path(f"{LIST}columns/", list_views.list_columns, name="list_columns"),
    path(f"{LIST}cancel/", list_views.list_cancel, name="list_cancel"),
    path(f"{LIST}screen/", list_views.list_screen, name="list_screen"),
    path(f"{LIST}candidates/", list_views.review_queue, name="review"),
    path(f"{LIST}candidates/<int:pk>/confirm/", list_views.candidate_confirm, name="confirm"),
    path(f"{LIST}candidates/<int:pk>/clear/", list_views.candidate_clear, name="clear"),
    path(f"{LIST}candidates/<int:pk>/reject/", list_views.candidate_reject, name="reject"),
]
urlpatterns += ban_views.urlpatterns
