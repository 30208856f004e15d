from django.urls import path

from liaison.exchange import views

app_name = "exchange"
urlpatterns = [
    path(".well-known/liaison-node", views.well_known, name="well_known"),
    path("federation/v1/envelopes", views.envelopes, name="envelopes"),
    path("federation/v1/batches", views.batches, name="batches"),
    path("federation/v1/queries", views.queries, name="queries"),
    path("federation/peers/", views.peers, name="peers"),
]
