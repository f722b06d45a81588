"""Management API views: parse, call oidc/ services, respond. Every answer is no-store; every error is
{"error", "error_description"}."""

import logging
from datetime import timedelta

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import clients, conf, errors, keys, registration, rotation, scopes
from ..models import Client, InitialAccessToken, SigningKey
from . import documents, serializers
from .authentication import AdminBearerAuthentication, HasAdminScope

log = logging.getLogger("portico.api")

ERRORS = {
    400: OpenApiResponse(serializers.Error, description="invalid_request or invalid_client_metadata"),
    401: OpenApiResponse(serializers.Error, description="No or an invalid access token (RFC 6750 3.1)."),
    403: OpenApiResponse(serializers.Error, description="insufficient_scope: portico:admin is needed."),
    404: OpenApiResponse(serializers.Error, description="not_found"),
}


def _errors(*codes: int) -> dict:
    return {code: ERRORS[code] for code in (401, 403, *codes)}


def _as_oauth_error(exc: Exception) -> errors.OAuthError | None:
    """DRF's exceptions in the OAuth error vocabulary (oidc/errors.py); None for anything else."""
    if isinstance(exc, errors.OAuthError):
        return exc
    if isinstance(exc, exceptions.NotAuthenticated):
        return errors.MissingToken(str(exc.detail))
    if isinstance(exc, exceptions.AuthenticationFailed):
        return errors.InvalidToken(str(exc.detail))
    if isinstance(exc, exceptions.PermissionDenied):
        return errors.InsufficientScope(str(exc.detail), scope=scopes.ADMIN)
    if isinstance(exc, exceptions.ValidationError):
        return errors.InvalidRequest(_first_problem(exc.detail))
    if isinstance(exc, exceptions.ParseError | exceptions.UnsupportedMediaType):
        return errors.InvalidRequest("The body must be a JSON object.")
    if isinstance(exc, Http404 | exceptions.NotFound):
        return errors.NotFound(str(exc) or "Not found.")
    if isinstance(exc, exceptions.MethodNotAllowed):
        return errors.MethodNotAllowed(str(exc.detail))
    return None


def _first_problem(detail) -> str:
    """A readable 'field: message' from DRF's nested validation detail."""
    if isinstance(detail, dict):
        field, value = next(iter(detail.items()))
        return f"{field}: {_first_problem(value)}"
    if isinstance(detail, list) and detail:
        return _first_problem(detail[0])
    return str(detail)


class Pagination(LimitOffsetPagination):
    default_limit = 100
    max_limit = 1000


class AdminAPIView(APIView):
    authentication_classes = [AdminBearerAuthentication]
    permission_classes = [HasAdminScope]

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "no-store"  # documents may carry secrets
        response["Pragma"] = "no-cache"
        return response

    def handle_exception(self, exc):
        error = _as_oauth_error(exc)
        if error is None:
            return super().handle_exception(exc)
        response = Response(error.as_json(), status=error.status)
        if error.status in (401, 403):
            response["WWW-Authenticate"] = errors.bearer_challenge(error)
        if isinstance(error, errors.MethodNotAllowed):
            response["Allow"] = ", ".join(self.allowed_methods)
        response.exception = True
        return response

    def caller(self) -> str:
        return self.request.auth.application.client_id

    def paginated(self, queryset, render) -> Response:
        paginator = Pagination()
        page = paginator.paginate_queryset(queryset, self.request, view=self)
        return paginator.get_paginated_response([render(item) for item in page or []])


PAGE_PARAMETERS = [
    OpenApiParameter("limit", int, description="Page size (default 100, at most 1000)."),
    OpenApiParameter("offset", int, description="How many items to skip."),
]


def _client(client_id: str) -> Client:
    client = Client.objects.filter(client_id=client_id).first()
    if client is None:
        raise Http404("No client with this client_id.")
    return client


class ClientsView(AdminAPIView):
    @extend_schema(
        operation_id="clients_list",
        summary="List clients",
        parameters=PAGE_PARAMETERS,
        responses={200: serializers.ClientPage, **_errors()},
    )
    def get(self, request):
        return self.paginated(Client.objects.order_by("name", "pk"), documents.describe)

    @extend_schema(
        operation_id="clients_create",
        summary="Create a client",
        description="The response carries the client_secret, once.",
        request=serializers.ClientMetadata,
        responses={201: serializers.ClientDocument, **_errors(400)},
    )
    def post(self, request):
        client, secret = documents.create(request.data)
        log.info("client %s created through the API by %s", client.client_id, self.caller())
        return Response(documents.describe(client, secret=secret), status=status.HTTP_201_CREATED)


class ClientView(AdminAPIView):
    @extend_schema(
        operation_id="clients_read",
        summary="Read a client",
        responses={200: serializers.ClientDocument, **_errors(404)},
    )
    def get(self, request, client_id):
        return Response(documents.describe(_client(client_id)))

    @extend_schema(
        operation_id="clients_replace",
        summary="Replace a client's metadata",
        description="Omitted members take their defaults. A secret is returned when the new "
        "token_endpoint_auth_method needs one the client did not have.",
        request=serializers.ClientMetadata,
        responses={200: serializers.ClientDocument, **_errors(400, 404)},
    )
    def put(self, request, client_id):
        client = _client(client_id)
        secret = documents.replace(client, request.data)
        log.info("client %s replaced through the API by %s", client.client_id, self.caller())
        return Response(documents.describe(client, secret=secret))

    @extend_schema(
        operation_id="clients_update",
        summary="Change some of a client's metadata",
        request=serializers.ClientMetadata,
        responses={200: serializers.ClientDocument, **_errors(400, 404)},
    )
    def patch(self, request, client_id):
        client = _client(client_id)
        secret = documents.patch(client, request.data)
        log.info("client %s updated through the API by %s", client.client_id, self.caller())
        return Response(documents.describe(client, secret=secret))

    @extend_schema(
        operation_id="clients_delete",
        summary="Delete a client with its grants and tokens",
        responses={204: None, **_errors(404)},
    )
    def delete(self, request, client_id):
        client = _client(client_id)
        client.delete()
        log.info("client %s deleted through the API by %s", client_id, self.caller())
        return Response(status=status.HTTP_204_NO_CONTENT)


class ClientSecretView(AdminAPIView):
    @extend_schema(
        operation_id="clients_rotate_secret",
        summary="Issue a new client secret",
        description="The current secret keeps working for overlap_seconds (default 0: replaced at once).",
        request=serializers.SecretRotation,
        responses={200: serializers.NewSecret, **_errors(400, 404)},
    )
    def post(self, request, client_id):
        client = _client(client_id)
        body = serializers.SecretRotation(data=request.data)
        body.is_valid(raise_exception=True)
        if not clients.needs_secret(client):
            raise errors.InvalidRequest(
                f"This client authenticates without a secret ({client.token_endpoint_auth_method})."
            )
        secret = clients.rotate_secret(
            client, overlap=timedelta(seconds=body.validated_data["overlap_seconds"])
        )
        client.refresh_from_db()
        log.info("client %s secret rotated through the API by %s", client.client_id, self.caller())
        document = {"client_id": client.client_id, "client_secret": secret, "client_secret_expires_at": 0}
        if client.previous_secret_expires:
            document["previous_secret_expires_at"] = int(client.previous_secret_expires.timestamp())
        return Response(document)


class ClientRevokeView(AdminAPIView):
    @extend_schema(
        operation_id="clients_revoke_all",
        summary="Revoke every grant, token and consent of a client",
        request=None,
        responses={200: serializers.Revoked, **_errors(404)},
    )
    def post(self, request, client_id):
        client = _client(client_id)
        revoked = clients.revoke_grants(client)
        log.info("client %s: everything revoked through the API by %s", client.client_id, self.caller())
        return Response(serializers.Revoked(revoked).data)


def _initial_token(token: InitialAccessToken, *, value: str = "") -> dict:
    """Never the stored digest; the token itself only when it has just been created."""
    document = dict(serializers.InitialAccessTokenDocument(token).data)
    return document | {"token": value} if value else document


class InitialAccessTokensView(AdminAPIView):
    @extend_schema(
        operation_id="initial_access_tokens_list",
        summary="List initial access tokens (RFC 7591 3)",
        parameters=PAGE_PARAMETERS,
        responses={200: serializers.InitialAccessTokenPage, **_errors()},
    )
    def get(self, request):
        return self.paginated(InitialAccessToken.objects.order_by("-created", "-pk"), _initial_token)

    @extend_schema(
        operation_id="initial_access_tokens_create",
        summary="Create an initial access token",
        description="Used with PORTICO_REGISTRATION=token. The response carries the token, once.",
        request=serializers.InitialAccessTokenInput,
        responses={201: serializers.NewInitialAccessToken, **_errors(400)},
    )
    def post(self, request):
        body = serializers.InitialAccessTokenInput(data=request.data)
        body.is_valid(raise_exception=True)
        expires_in = body.validated_data.get("expires_in")
        token, value = registration.create_initial_token(
            body.validated_data["label"],
            expires=timezone.now() + timedelta(seconds=expires_in) if expires_in else None,
            max_uses=body.validated_data.get("max_uses"),
        )
        log.info("initial access token %s created through the API by %s", token.pk, self.caller())
        return Response(_initial_token(token, value=value), status=status.HTTP_201_CREATED)


class InitialAccessTokenView(AdminAPIView):
    def _token(self, pk: int) -> InitialAccessToken:
        token = InitialAccessToken.objects.filter(pk=pk).first()
        if token is None:
            raise Http404("No initial access token with this id.")
        return token

    @extend_schema(
        operation_id="initial_access_tokens_read",
        summary="Read an initial access token",
        responses={200: serializers.InitialAccessTokenDocument, **_errors(404)},
    )
    def get(self, request, pk):
        return Response(_initial_token(self._token(pk)))

    @extend_schema(
        operation_id="initial_access_tokens_revoke",
        summary="Revoke an initial access token",
        responses={204: None, **_errors(404)},
    )
    def delete(self, request, pk):
        token = self._token(pk)
        InitialAccessToken.objects.filter(pk=token.pk, revoked__isnull=True).update(revoked=timezone.now())
        log.info("initial access token %s revoked through the API by %s", token.pk, self.caller())
        return Response(status=status.HTTP_204_NO_CONTENT)


class SigningKeysView(AdminAPIView):
    @extend_schema(
        operation_id="keys_list",
        summary="List signing keys (public parts only)",
        responses={200: serializers.SigningKeyDocument(many=True), **_errors()},
    )
    def get(self, request):
        keys.active_key()  # the first call on a new installation generates the keys
        rows = SigningKey.objects.order_by("alg", "-created")
        return Response(serializers.SigningKeyDocument(rows, many=True).data)


class KeyRotationView(AdminAPIView):
    @extend_schema(
        operation_id="keys_rotate",
        summary="Rotate signing keys",
        description="Activates the published next key once JWKS caches have seen it and publishes a new "
        "next key; a first call on an algorithm without a next key only publishes one (action 'prepared', "
        "with activates_after). The scheduled rotate_keys --if-due does the same on a period.",
        request=serializers.KeyRotationInput,
        responses={200: serializers.KeyRotationResult, **_errors(400)},
    )
    def post(self, request):
        body = serializers.KeyRotationInput(data=request.data)
        body.is_valid(raise_exception=True)
        alg = body.validated_data.get("alg")
        enabled = conf.signing_algs()
        if alg and alg not in enabled:
            raise errors.InvalidRequest(f"alg: {alg} is not enabled here ({', '.join(enabled)})")
        outcomes = [rotation.rotate(a) for a in ([alg] if alg else enabled)]
        log.info(
            "signing keys rotated through the API by %s: %s", self.caller(), [o.action for o in outcomes]
        )
        results = serializers.KeyRotationOutcome(outcomes, many=True).data
        return Response({"results": results})
