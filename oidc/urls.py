from django.urls import path

from .logout import endpoint as logout
from .views import authorize, par, registration, token, userinfo, wellknown

app_name = "oidc"

urlpatterns = [
    path(".well-known/openid-configuration", wellknown.openid_configuration, name="configuration"),
    path(".well-known/jwks.json", wellknown.jwks, name="jwks"),
    path("authorize", authorize.AuthorizeView.as_view(), name="authorize"),
    path("authorize/consent", authorize.ConsentView.as_view(), name="consent"),
    path("authorize/select-account", authorize.SelectAccountView.as_view(), name="select-account"),
    path("par", par.PushedAuthorizationRequestView.as_view(), name="pushed-authorization-request"),
    path("token", token.TokenView.as_view(), name="token"),
    path("revoke", token.RevokeView.as_view(), name="revoke"),
    path("introspect", token.IntrospectView.as_view(), name="introspect"),
    path("userinfo", userinfo.UserInfoView.as_view(), name="userinfo"),
    path("end-session", logout.EndSessionView.as_view(), name="end-session"),
    path("end-session/confirm", logout.ConfirmEndSessionView.as_view(), name="end-session-confirm"),
    path("register", registration.RegisterView.as_view(), name="register"),
    path(
        "register/<str:client_id>",
        registration.ClientConfigurationView.as_view(),
        name="client-configuration",
    ),
]
