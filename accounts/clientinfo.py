"""Who is at the other end of a request: the client address (behind a trusted proxy only when configured) and
a readable description of the device, for the sessions page and the security log."""

import ipaddress
import re

from django.http import HttpRequest
from django.utils.translation import gettext as _

from . import conf


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def peer_is_trusted_proxy(request: HttpRequest, networks=None) -> bool:
    """Whether the socket peer (REMOTE_ADDR) is one of PORTICO_TRUSTED_PROXIES."""
    peer = _address(request.META.get("REMOTE_ADDR", ""))
    networks = conf.trusted_proxies() if networks is None else networks
    return peer is not None and any(peer in network for network in networks)


def client_ip(request: HttpRequest) -> str | None:
    """REMOTE_ADDR, or the address the trusted proxy appended last to its header. Earlier entries are whatever
    the client sent, so they are never used; nor is the header when PORTICO_TRUSTED_PROXIES is set and the
    peer is not one of them (anyone can send it)."""
    header = conf.client_ip_header()
    candidate = request.META.get("REMOTE_ADDR", "")
    if header and request.META.get(header):
        networks = conf.trusted_proxies()
        if not networks or peer_is_trusted_proxy(request, networks):
            candidate = request.META[header].split(",")[-1]
    address = _address(candidate)
    return str(address) if address is not None else None


def user_agent(request: HttpRequest) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:300]


_BROWSERS = [("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
             ("Chromium/", "Chromium"), ("Safari/", "Safari")]
_SYSTEMS = [("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iPadOS"), ("Windows", "Windows"),
            ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux")]


def describe_device(agent: str) -> str:
    """"Firefox on Linux" from a User-Agent string; "Unknown device" when it says nothing recognisable."""
    browser = next((name for token, name in _BROWSERS if token in agent), "")
    if "HeadlessChrome" in agent:
        browser = "Headless Chrome"
    system = next((name for token, name in _SYSTEMS if re.search(re.escape(token), agent)), "")
    if browser and system:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    return browser or system or _("Unknown device")


def describe_place(ip: str | None) -> str:
    """Without a geolocation database, the kind of network is what can be said truthfully."""
    if not ip:
        return _("Unknown network")
    address = ipaddress.ip_address(ip)
    if address.is_loopback:
        return _("This computer")
    if address.is_private or address.is_link_local:
        return _("Local network (%(ip)s)") % {"ip": ip}
    return ip
