"""The signed-out page (RP-Initiated 3 / Front-Channel 4): the apps that were told, one hidden iframe per
front-channel logout URL, then on to the post-logout redirect URI when there is one."""

from urllib.parse import urlsplit

from django.shortcuts import render
from django.utils.translation import gettext as _

from ..middleware import CSP


def frame_sources(urls: list[str]) -> list[str]:
    """The origins of the front-channel logout URLs, in order, once each."""
    origins = []
    for url in urls:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in origins:
            origins.append(origin)
    return origins


def signed_out_csp(urls: list[str]) -> str:
    """Front-Channel 4: the page may frame exactly the apps' logout origins (and nothing when there are
    none); everything else as on every page. The apps' responses cannot frame Portico back
    (frame-ancestors 'none')."""
    sources = " ".join(frame_sources(urls)) or "'none'"
    return f"{CSP}; frame-src {sources}"


def signed_out_page(request, outcomes: list, *, continue_url: str = "", auto_continue: bool = True):
    """Render the page for whatever sign_in_ended's receivers returned (LogoutOutcome)."""
    told = [name for outcome in outcomes for name in getattr(outcome, "told", [])]
    frames = [url for outcome in outcomes for url in getattr(outcome, "frontchannel", [])]
    context = {
        "told": sorted(set(told)),
        "frames": frames,
        "continue_url": continue_url,
        "auto_continue": auto_continue,
        "title": _("You are signed out"),
    }
    response = render(request, "oidc/signed_out.html", context)
    response["Content-Security-Policy"] = signed_out_csp(frames)
    response["Cache-Control"] = "no-store"
    return response
