"""The JSON parser of every DRF endpoint (registration, management API): JSON that Python can parse but
Portico cannot store or answer safely is a 400, never a 500."""

import json
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32  # client metadata nests two or three levels (jwks); nothing needs more


def _problem(value: Any, depth: int = 0) -> str:
    """Why a parsed document cannot be used: too deep, or a lone surrogate (RFC 8259 8.2: not Unicode text,
    and unencodable in UTF-8 or PostgreSQL text)."""
    if depth > MAX_DEPTH:
        return f"JSON nested deeper than {MAX_DEPTH} levels"
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "JSON strings must be valid Unicode (no lone surrogates)"
        return ""
    if isinstance(value, dict):
        value = [item for pair in value.items() for item in pair]
    if isinstance(value, list):
        return next((p for p in (_problem(item, depth + 1) for item in value) if p), "")
    return ""


class StrictJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            document = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON nested deeper than {MAX_DEPTH} levels") from None
        except (ValueError, json.JSONDecodeError) as exc:  # e.g. numbers too long to convert
            raise ParseError(f"JSON parse error - {exc}") from None
        problem = _problem(document)
        if problem:
            raise ParseError(problem)
        return document
