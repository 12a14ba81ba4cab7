"""The newsletter e-mail's links, mounted at /newsletters/ (config/urls.py).

Both take a signed token in place of a login (newsletters/unsubscribe.py, mail.py).
"""

from django.urls import path

from . import views

app_name = "newsletters"
urlpatterns = [
    path("unsubscribe/<str:token>/", views.unsubscribe_view, name="unsubscribe"),
    path("view/<str:token>/", views.view_in_browser, name="view"),
]
