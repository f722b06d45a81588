from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    # The database cache (used when REDIS_URL is not set) holds sign-in throttling shared by all workers.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_security_mfa_invitations")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
