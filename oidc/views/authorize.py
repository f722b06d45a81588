"""The authorization endpoint (RFC 6749 3.1, Core 3.1.2) and the two CSRF-protected answers a person gives
it (account choice, consent). The rules are oidc/authorize/steps.py, run by oidc/authorize/pipeline.py.

/authorize accepts GET and form POST (Core 3.1.2.1) without CSRF protection, as a cross-site request is
what it is for; it never acts on the person's behalf without a CSRF-protected step (login, account choice
or consent form), except for consent already given.
"""

from urllib.parse import urlencode

from django.contrib.auth import logout
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.views.mixins import OAuthLibMixin

from .. import consent, errors, events
from ..authorize import interaction, pipeline, steps
from ..models import Client


@method_decorator([csrf_exempt, never_cache], name="dispatch")
class AuthorizeView(OAuthLibMixin, View):
    http_method_names = ["get", "post"]

    def get(self, request):
        return self.authorize(request.GET)

    def post(self, request):
        return self.authorize(request.POST)

    def authorize(self, query):
        params = {key: query.get(key, "") for key in query}  # Core 3.1.2.1: one value per name
        authorization = pipeline.Authorization(view=self, http=self.request, params=params)
        return pipeline.run(authorization, steps.STEPS)


@method_decorator(never_cache, name="dispatch")
class SelectAccountView(View):
    """prompt=select_account (Core 3.1.2.1): continue as the signed-in person, or sign out and use another
    account. CSRF-protected; both answers go back to the request through its resume marker."""

    def post(self, request):
        target = request.POST.get("next", "")
        if not target.startswith(reverse("oidc:authorize") + "?"):
            return errors.page(request, errors.InvalidRequest("This request is not valid."))
        if request.POST.get("choice") == "another":
            logout(request)
            return HttpResponseRedirect(reverse("accounts:login") + "?" + urlencode({"next": target}))
        return HttpResponseRedirect(target)


@method_decorator(never_cache, name="dispatch")
class ConsentView(OAuthLibMixin, View):
    """The consent decision (Core 3.1.2.4). CSRF-protected; the request it answers was validated and kept in
    the session."""

    def get(self, request):
        return HttpResponseNotAllowed(["POST"])

    def post(self, request):
        entry = interaction.take_pending(request, request.POST.get("request_id", ""))
        if entry is None or not request.user.is_authenticated:
            return errors.page(
                request,
                errors.InvalidRequest(
                    "This sign-in request has expired or was already answered. Go back to the application "
                    "and try again."
                ),
            )
        client = Client.objects.filter(client_id=entry["client_id"], is_active=True).first()
        if client is None:
            return errors.page(request, errors.InvalidClient("This application is not available."))
        credentials = entry["credentials"]
        given = request.POST.get("decision") == "allow"
        events.consent_decided.send(sender=Client, client=client, user=request.user, given=given)
        if not given:
            denied = errors.AccessDenied("The user denied the request.")
            return errors.respond(request, denied, interaction.target_for(client, credentials))
        consent.record(request.user, client, consent.items(entry["scopes"], entry.get("claims", [])), request)
        return interaction.issue(self, client, entry["scopes"], credentials)
