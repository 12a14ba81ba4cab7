"""`/<slug>/`: mounted last in `config.urls`, so every route of the site is tried first
(and their first segments are names a page may not take: `pages.reserved`)."""

from django.urls import path

from .views import PageDetailView

app_name = "pages"

urlpatterns = [path("<slug:slug>/", PageDetailView.as_view(), name="page")]
