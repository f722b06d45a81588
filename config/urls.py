from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", include("ops.urls")),
    path("", include("oidc.urls")),
    path("", include("accounts.urls")),
    path("api/v1/", include("oidc.api.urls")),
    # Admins sign in like everyone else: throttled, with their second factor (the admin's own login form
    # would skip both).
    path("admin/login/", RedirectView.as_view(pattern_name="accounts:login", query_string=True)),
    path("admin/", admin.site.urls),
]
if settings.PORTICO_PLAYGROUND:
    urlpatterns.append(path("playground/", include("oidc.playground")))
