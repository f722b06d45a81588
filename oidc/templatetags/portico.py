from django import template

from oidc.metadata import web_url as _web_url

register = template.Library()


@register.filter
def web_url(value: str) -> str:
    """Only http(s) URLs make it into href/src attributes."""
    return _web_url(str(value or ""))
