from django.urls import path

from . import health, metrics_view

app_name = "ops"

urlpatterns = [
    path("health/live", health.live, name="live"),
    path("health/ready", health.ready, name="ready"),
    path("metrics", metrics_view.metrics, name="metrics"),
]
