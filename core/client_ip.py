"""The client's address, one rule for the login lock-out (django-axes) and the API throttle.

`NUM_PROXIES` counts the proxies in front of gunicorn that write `X-Forwarded-For`
(production: nginx, which overwrites the header with the address it saw). With none, the
address is the connection's own; with N, it is the N-th address from the right of the
header: a client can prepend whatever it likes, never replace what our proxies wrote.
DRF's throttles apply the same rule through `REST_FRAMEWORK["NUM_PROXIES"]`.
"""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The address of the client, as the outermost of our proxies saw it."""
    remote = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    proxies = settings.NUM_PROXIES
    if not proxies or not forwarded:
        return remote
    addresses = [address.strip() for address in forwarded.split(",")]
    return addresses[-min(proxies, len(addresses))] or remote
