"""Mounted at /comments/ by config/urls.py."""

from django.urls import path

from . import views

app_name = "comments"

urlpatterns = [
    path("post/<int:post_id>/", views.post, name="post"),
    path("<int:comment_id>/edit/", views.edit, name="edit"),
    path("<int:comment_id>/delete/", views.delete, name="delete"),
]
