from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from . import views

app_name = "api"

urlpatterns = [
    path("clients", views.ClientsView.as_view(), name="clients"),
    path("clients/<str:client_id>", views.ClientView.as_view(), name="client"),
    path("clients/<str:client_id>/secret", views.ClientSecretView.as_view(), name="client-secret"),
    path("clients/<str:client_id>/revoke", views.ClientRevokeView.as_view(), name="client-revoke"),
    path("initial-access-tokens", views.InitialAccessTokensView.as_view(), name="initial-access-tokens"),
    path(
        "initial-access-tokens/<int:pk>",
        views.InitialAccessTokenView.as_view(),
        name="initial-access-token",
    ),
    path("keys", views.SigningKeysView.as_view(), name="keys"),
    path("keys/rotate", views.KeyRotationView.as_view(), name="keys-rotate"),
    path(
        "schema", SpectacularAPIView.as_view(authentication_classes=[], permission_classes=[]), name="schema"
    ),
]
