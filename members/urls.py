"""`/members/…`: sign up, sign in by e-mailed link, the account (docs/members.md)."""

from django.urls import path

from . import views

app_name = "members"

urlpatterns = [
    path("", views.home, name="home"),
    path("signup/", views.signup, name="signup"),
    path("signin/", views.signin, name="signin"),
    path("check-inbox/", views.check_inbox, name="check_inbox"),
    path("signout/", views.signout, name="signout"),
    path("link/<str:token>/", views.link, name="link"),
    path("account/", views.account, name="account"),
    path("account/sign-out-everywhere/", views.sign_out_everywhere, name="sign_out_everywhere"),
    path("account/export/", views.export, name="export"),
    path("account/delete/", views.delete, name="delete"),
]
