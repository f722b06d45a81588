"""The pushed authorization request endpoint (RFC 9126 2): a client authenticates as at the token endpoint
and pushes its authorization request, which is validated at once with the authorization endpoint's own
steps; the answer is a request_uri to send the person to /authorize with (oidc/pushed_requests.py)."""

import time

from django.http import JsonResponse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from oauth2_provider.views.mixins import OAuthLibMixin

from .. import client_auth, cors, errors, pushed_requests
from ..authorize import pipeline, steps
from . import token


@method_decorator(
    [csrf_exempt, sensitive_post_parameters("client_secret", "client_assertion")], name="dispatch"
)
class PushedAuthorizationRequestView(OAuthLibMixin, View):
    http_method_names = ["post"]

    def post(self, request):
        try:
            body = self.push(request)
        except errors.OAuthError as error:  # RFC 9126 2.3: errors as at the token endpoint (RFC 6749 5.2)
            return token.refused(request, error)
        response = JsonResponse(body, status=201)
        response["Cache-Control"] = "no-store"
        return response

    def push(self, request) -> dict:
        error = token.malformed_form(request)
        if error is not None:
            raise error
        client = client_auth.authenticate_form(request)
        cors.note_client(request, client)  # the origins that may read this answer are this client's
        form = {name: request.POST.get(name, "") for name in request.POST}
        pushed = pushed_requests.authorization_params(form, client=client, now=time.time())
        pipeline.use_params(request, pushed)
        authorization = pipeline.Authorization(view=self, http=request, params=pushed)
        pipeline.validate(authorization, steps.PUSH_STEPS)
        if authorization.client != client:
            raise errors.InvalidRequest("client_id is not the authenticated client (RFC 9126 2.1)")
        request_uri, expires_in = pushed_requests.store(client, pushed, now=timezone.now())
        return {"request_uri": request_uri, "expires_in": expires_in}
