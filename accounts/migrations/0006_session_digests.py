"""Browser session keys are kept only as keyed digests (accounts/session_store.py): existing sessions and
sign-in records are converted in place, so no one is signed out by the upgrade."""

from django.db import migrations

from config import at_rest

DIGEST_LENGTH = 40


def _digest(key: str) -> str:
    return at_rest.keyed_digest(key, purpose="session")[:DIGEST_LENGTH]


def digest_existing(apps, schema_editor):
    Session = apps.get_model("sessions", "Session")
    SignIn = apps.get_model("accounts", "SignIn")
    # Django's keys are 32 characters; a 40-character value is a digest already.
    for key in Session.objects.exclude(session_key__regex=r"^[0-9a-f]{40}$").values_list("session_key", flat=True):
        Session.objects.filter(session_key=key).update(session_key=_digest(key))
    for pk, key in SignIn.objects.exclude(session_digest="").exclude(
        session_digest__regex=r"^[0-9a-f]{40}$"
    ).values_list("pk", "session_digest"):
        SignIn.objects.filter(pk=pk).update(session_digest=_digest(key))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_throttle_counter"),
        ("sessions", "0001_initial"),
    ]

    operations = [
        migrations.RenameField(model_name="signin", old_name="session_key", new_name="session_digest"),
        migrations.RunPython(digest_existing, migrations.RunPython.noop),
    ]
