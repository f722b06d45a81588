"""The integration guides (docs/integrations/) as tests read them: the registration command each gives."""

import json
import shlex
from io import StringIO
from pathlib import Path

from django.core.management import call_command

GUIDES = Path(__file__).resolve().parents[1] / "docs" / "integrations"
PLACEHOLDER = "https://app.example.com"


def registration_command(guide: Path, app_base: str) -> list[str]:
    """The guide's `python manage.py oidc_client create ...` command, pointed at the test's app."""
    text = guide.read_text().replace("\\\n", " ")
    line = next(line for line in text.splitlines() if line.startswith("python manage.py oidc_client create"))
    return [arg.replace(PLACEHOLDER, app_base) for arg in shlex.split(line)[2:]]


def register(guide: Path, app_base: str = PLACEHOLDER) -> dict:
    """Run the guide's registration command; its JSON output."""
    out = StringIO()
    call_command(*registration_command(guide, app_base), stdout=out)
    return json.loads(out.getvalue())
