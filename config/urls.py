from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("oidc.urls")),
    path("", include("accounts.urls")),
    path("api/v1/", include("oidc.api.urls")),
    path("admin/", admin.site.urls),
]
if settings.PORTICO_PLAYGROUND:
    urlpatterns.append(path("playground/", include("oidc.playground")))
