"""Rotate signing keys now, or (with --if-due, from a scheduler) only when the rotation period has passed."""

from django.core.management.base import BaseCommand, CommandError

from oidc import conf, constants, keys, rotation


class Command(BaseCommand):
    help = (
        "Rotate signing keys: activate the published next key (if it has been in the JWKS for at least the "
        "JWKS cache lifetime), retire the active one and publish a new next key. With --if-due, rotate only "
        "keys older than PORTICO_KEY_ROTATION_DAYS; run that hourly or daily. Retired keys are removed once "
        "everything they signed has expired."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--alg",
            action="append",
            choices=constants.SIGNING_ALGS,
            help="Algorithm to rotate (repeatable; default: every enabled algorithm).",
        )
        parser.add_argument(
            "--if-due", action="store_true", help="Scheduled mode: rotate only what the period says is due."
        )

    def handle(self, *args, **options):
        algs = options["alg"] or conf.signing_algs()
        disabled = sorted(set(algs) - set(conf.signing_algs()))
        if disabled:
            raise CommandError(f"not enabled in PORTICO_SIGNING_ALGS: {', '.join(disabled)}")
        keys.active_key("RS256")  # First run on an empty database: create the active keys.
        step = rotation.rotate_if_due if options["if_due"] else rotation.rotate
        for alg in algs:
            outcome = step(alg)
            line = f"{alg}: {outcome.action}: {outcome.detail}"
            if outcome.activates_after is not None:
                line += f" (can be activated after {outcome.activates_after:%Y-%m-%d %H:%M:%S %Z})"
            self.stdout.write(line)
        for kid in rotation.purge_retired():
            self.stdout.write(f"removed retired key {kid}")
