"""UserInfo endpoint (Core 5.3): GET and POST, bearer token in the header or the form body."""

from django.http import HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from .. import bearer, claims, conf, cors, errors, subjects, tokens

# Claims about a person: never stored by a cache (RFC 9111 5.2.2.5). Set directly: never_cache's header
# patching costs more than the rest of a userinfo response's headers together.
NO_STORE = "no-store"


@method_decorator(csrf_exempt, name="dispatch")
class UserInfoView(View):
    http_method_names = ["get", "post"]  # a CORS preflight is answered by django-cors-headers

    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        response["Cache-Control"] = NO_STORE
        response["Pragma"] = "no-cache"  # HTTP/1.0 caches
        return response

    def get(self, request):
        return self.respond(request)

    def post(self, request):
        return self.respond(request)

    def respond(self, request):
        token, problem = bearer.extract(request)
        if problem is not None:
            return errors.bearer_response(problem)
        access_token = bearer.lookup(token)
        if access_token is None or access_token.user is None:
            return errors.bearer_response(errors.InvalidToken())
        scopes = access_token.scope.split()
        if "openid" not in scopes:
            return errors.bearer_response(
                errors.InsufficientScope("The access token does not grant the openid scope.", scope="openid")
            )
        client = access_token.application
        cors.note_client(request, client)  # the origins allowed to read this answer are the client's
        released = claims.for_userinfo(
            access_token.user,
            sub=subjects.sub_for(access_token.user, client),
            scopes=scopes,
            claims_request=access_token.claims,
        )
        response: HttpResponse
        if client is not None and client.userinfo_signed_response_alg:
            # Core 5.3.2: a signed response is a JWT with iss and aud (the client), typed application/jwt.
            released.update({"iss": conf.issuer(), "aud": client.client_id})
            signed = tokens.sign_jwt(released, alg=client.userinfo_signed_response_alg)
            response = HttpResponse(signed, content_type="application/jwt")
        else:
            response = JsonResponse(released)
        return response
