from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Small services every app shares: sending tasks on commit, the circuit breaker,
    the site origin, the cache backend, database-outage handling, health and logging."""

    name = "core"
    verbose_name = "Core"
