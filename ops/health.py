"""Health endpoints for load balancers and orchestrators: liveness (the process answers) and readiness (what a
request needs is there). JSON naming each check and its outcome, never an error message: those may carry
hosts, user names or paths, and go to the server log instead."""

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from oidc import keys

logger = logging.getLogger("portico.health")

# Once every migration is applied it stays so for the life of this code: the migration plan (which reads
# every migration module) is computed until the first success, then never again.
_migrated = False


def check_database() -> bool:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


def check_migrations() -> bool:
    global _migrated
    if not _migrated:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        _migrated = not executor.migration_plan(executor.loader.graph.leaf_nodes())
    return _migrated


def cache_is_shared() -> bool:
    """A cache in another server (Redis, memcached) is a dependency to check; the database cache is checked
    with the database, a per-process memory cache cannot fail."""
    backend = settings.CACHES["default"]["BACKEND"]
    return not backend.endswith(("locmem.LocMemCache", "db.DatabaseCache", "dummy.DummyCache"))


def check_cache() -> bool:
    cache.set("portico:health", "1", timeout=10)
    return cache.get("portico:health") == "1"


def check_signing_keys() -> bool:
    """The active RS256 key can be decrypted (a changed key-encryption secret fails here, not at /token)."""
    return keys.active_key("RS256").private_key is not None


def _run(name: str, check) -> str:
    try:
        return "ok" if check() else "fail"
    except Exception as error:  # any failure makes the node unready; the reason goes to the log, not the answer
        # One line, no traceback: a load balancer polls every second through an outage.
        logger.warning("readiness check %s failed: %s: %s", name, type(error).__name__, str(error)[:300])
        return "fail"


def readiness() -> dict[str, str]:
    results = {"database": _run("database", check_database)}
    if results["database"] == "ok":
        results["migrations"] = _run("migrations", check_migrations)
        results["signing_keys"] = _run("signing_keys", check_signing_keys)
    if cache_is_shared():
        results["cache"] = _run("cache", check_cache)
    return results


def _answer(checks: dict[str, str]) -> JsonResponse:
    # The migrations check runs only when the database answered: a missing entry is a failure too.
    healthy = "migrations" in checks and all(value == "ok" for value in checks.values())
    response = JsonResponse(
        {"status": "ok" if healthy else "fail", "checks": checks}, status=200 if healthy else 503
    )
    if not healthy:
        response["Retry-After"] = "5"
    return response


@never_cache
@require_safe
def live(request):
    """The process answers requests; no dependency is touched (a database outage must not restart it)."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def ready(request):
    """The node can serve: database reachable and migrated, signing keys loadable, shared cache reachable."""
    return _answer(readiness())
