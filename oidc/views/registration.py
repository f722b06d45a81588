"""Registration endpoint (RFC 7591 3, OIDC Registration 3) and client configuration endpoint (RFC 7592 2)."""

from django.db import transaction
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.clientinfo import client_ip

from .. import errors, registration


def _bearer(request) -> str | None:
    scheme, _, value = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _no_store(response: Response) -> Response:
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


def _unauthorized(description: str) -> Response:
    error = errors.InvalidToken(description)
    response = Response(error.as_json(), status=error.status)
    response["WWW-Authenticate"] = errors.bearer_challenge(error)
    return _no_store(response)


class _RegistrationAPIView(APIView):
    authentication_classes: list = []
    permission_classes: list = []

    def handle_exception(self, exc):
        # Malformed JSON or a wrong content type: the registration error format, not DRF's {"detail": ...}.
        if isinstance(exc, exceptions.ParseError | exceptions.UnsupportedMediaType):
            exc = errors.InvalidClientMetadata("the body must be a JSON object")
        if isinstance(exc, exceptions.NotFound):
            body = errors.InvalidRequest(str(exc.detail)).as_json()
            return _no_store(Response(body, status=404))
        if isinstance(exc, errors.OAuthError):
            return _no_store(Response(exc.as_json(), status=exc.status))
        return super().handle_exception(exc)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if registration.mode() == "off":
            raise exceptions.NotFound("Dynamic client registration is not enabled on this server.")


class RegisterView(_RegistrationAPIView):
    http_method_names = ["post", "options"]

    def post(self, request):
        if not registration.within_rate(client_ip(request)):
            error = errors.TooManyRegistrations("Too many registrations from your network. Try again later.")
            response = _no_store(Response(error.as_json(), status=error.status))
            response["Retry-After"] = str(registration.RATE_WINDOW)
            return response
        with transaction.atomic():
            if registration.mode() == "token" and not registration.consume_initial_token(_bearer(request)):
                return _unauthorized("A valid initial access token is required to register (RFC 7591 3).")
            document = registration.register(request.data)
        return _no_store(Response(document, status=status.HTTP_201_CREATED))


class ClientConfigurationView(_RegistrationAPIView):
    http_method_names = ["get", "put", "delete", "options"]

    def _client(self, request, client_id):
        return registration.client_for(client_id, _bearer(request))

    def get(self, request, client_id):
        client = self._client(request, client_id)
        if client is None:
            return _unauthorized("The registration access token is not valid for this client.")
        document = registration.describe(client)
        document.update(registration.configuration_members(client, _bearer(request) or ""))
        return _no_store(Response(document))

    def put(self, request, client_id):
        client = self._client(request, client_id)
        if client is None:
            return _unauthorized("The registration access token is not valid for this client.")
        return _no_store(Response(registration.update(client, request.data, token=_bearer(request) or "")))

    def delete(self, request, client_id):
        client = self._client(request, client_id)
        if client is None:
            return _unauthorized("The registration access token is not valid for this client.")
        client.delete()  # its grants and tokens go with it
        return _no_store(Response(status=status.HTTP_204_NO_CONTENT))
