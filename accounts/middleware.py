"""Page language from ui_locales (Core 3.1.2.1), and "last seen" for the sessions page."""

import time
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.utils import timezone, translation

from .models import SignIn
from .sessions import SESSION_KEY

SEEN_KEY = "portico_seen"
LANGUAGE_KEY = "portico_language"
SEEN_EVERY = 300  # seconds: one UPDATE per session per five minutes at most


def _ui_locales(request) -> str:
    """ui_locales from this request, or from the authorization request it continues (?next=...)."""
    for source in (request.GET, request.POST if request.method == "POST" else {}):
        if source.get("ui_locales"):
            return source["ui_locales"]
        nxt = source.get("next")
        if nxt:
            try:
                found = parse_qs(urlsplit(nxt).query).get("ui_locales")
            except ValueError:  # not a URL at all
                found = None
            if found:
                return found[0]
    return ""


def preferred_language(ui_locales: str) -> str | None:
    """The first tag of the space-separated list we have pages in, matching "fr-CA" to "fr" if needed."""
    available = {code for code, _name in settings.LANGUAGES}
    for tag in ui_locales.split()[:10]:
        tag = tag.lower()
        for candidate in (tag, tag.split("-")[0]):
            if candidate in available:
                return candidate
    return None


class UILocalesMiddleware:
    """After LocaleMiddleware: an app's ui_locales outranks Accept-Language for the pages of its request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = preferred_language(_ui_locales(request))
        session = getattr(request, "session", None)
        if language and session is not None:
            if session.get(LANGUAGE_KEY) != language:
                session[LANGUAGE_KEY] = language  # the rest of this sign-in (second step, emails' pages) follows
        elif session is not None and session.get(LANGUAGE_KEY):
            language = session[LANGUAGE_KEY]
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        if language:
            response.headers.setdefault("Content-Language", language)
        return response


class SignInActivityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.get(SESSION_KEY) and getattr(request, "user", None) is not None:
            now = time.time()
            if request.user.is_authenticated and now - session.get(SEEN_KEY, 0) > SEEN_EVERY:
                session[SEEN_KEY] = now
                SignIn.objects.filter(sid=session[SESSION_KEY], ended_at__isnull=True).update(
                    last_seen=timezone.now()
                )
        return response
