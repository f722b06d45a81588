"""Gauges computed from the database when /metrics is scraped: the same in every process and on every node."""

from django.db.models import Count
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from oidc.logout.models import LogoutDelivery
from oidc.records import SigningKey


def logout_deliveries() -> GaugeMetricFamily:
    gauge = GaugeMetricFamily(
        "portico_logout_deliveries",
        "Back-channel logout deliveries waiting or given up on.",
        labels=["status"],
    )
    counts = dict(
        LogoutDelivery.objects.filter(status__in=["pending", "failed"])
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    for status in ("pending", "failed"):
        gauge.add_metric([status], counts.get(status, 0))
    return gauge


def key_ages() -> GaugeMetricFamily:
    gauge = GaugeMetricFamily(
        "portico_signing_key_age_seconds", "Age of the active signing key, by algorithm.", labels=["alg"]
    )
    now = timezone.now()
    for alg, activated, created in SigningKey.objects.filter(state="active").values_list(
        "alg", "activated_at", "created"
    ):
        gauge.add_metric([alg], (now - (activated or created)).total_seconds())
    return gauge


class DatabaseCollector(Collector):
    def collect(self):
        yield logout_deliveries()
        yield key_ages()
