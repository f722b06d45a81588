import pytest
from django.test import Client as Browser


@pytest.fixture
def browser(make_user):
    """A browser with a signed-in user (browser.user)."""
    b = Browser()
    b.user = make_user()
    b.force_login(b.user)
    return b
