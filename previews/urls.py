"""Mounted at `/preview/` by `config.urls`."""

from django.urls import path

from . import views

app_name = "previews"
urlpatterns = [
    path("<str:token>/", views.preview, name="preview"),
    path("<str:token>/feedback/", views.feedback, name="feedback"),
]
