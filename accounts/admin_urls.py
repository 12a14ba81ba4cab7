"""`admin_password_reset`: the name Django's admin login looks for to show its
"Forgotten your password or username?" link. It is the site's own reset view
(`accounts.urls.password_reset`: same mail, same limits), under /admin/password_reset/.

Included without a namespace (config/urls.py), since the admin reverses the bare name.
"""

from django.urls import path

from .urls import password_reset

urlpatterns = [path("", password_reset, name="admin_password_reset")]
