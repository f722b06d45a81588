"""Portico's Prometheus metrics, defined once. Counters and histograms are per process; with several worker
processes set PROMETHEUS_MULTIPROC_DIR (docs/operations.md) and prometheus-client keeps them in files there
that /metrics adds up. Gauges that describe the database (keys, logout deliveries) are read at scrape time
(ops/collectors.py), so every process reports the same value."""

from prometheus_client import Counter, Histogram

REQUESTS = Counter(
    "portico_http_requests",
    "HTTP requests answered, by route name, method and status.",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "portico_http_request_duration_seconds",
    "Time to answer an HTTP request, by route name and status.",
    ["route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
TOKENS_ISSUED = Counter("portico_tokens_issued", "Token responses issued, by grant type.", ["grant_type"])
SIGN_INS = Counter(
    "portico_sign_ins", "Sign-in attempts by outcome: succeeded, failed or throttled.", ["outcome"]
)
CONSENTS = Counter("portico_consents", "Consent decisions: given or denied.", ["decision"])
DATABASE_ERRORS = Counter(
    "portico_database_errors", "Requests that failed because the database could not be reached.", ["kind"]
)


_CHILDREN: dict[tuple[str, str, str], tuple] = {}


def observe_request(route: str, method: str, status: str, seconds: float) -> None:
    """Count and time one request. The labelled children are kept per (route, method, status), a bounded
    set: looking them up by labels() on every request costs more than the counting."""
    children = _CHILDREN.get((route, method, status))
    if children is None:
        children = (
            REQUESTS.labels(route=route, method=method, status=status),
            LATENCY.labels(route=route, status=status),
        )
        _CHILDREN[(route, method, status)] = children
    children[0].inc()
    children[1].observe(seconds)
