"""Docker HEALTHCHECK: exit 0 when gunicorn answers /healthz in the container.

Sends a Host header that Django accepts (the first plain name in DJANGO_ALLOWED_HOSTS),
so the probe passes host validation; /healthz is exempt from the HTTPS redirect.
Standard library only: the runtime image has no curl.
"""

import os
import sys
import urllib.request

hosts = [h.strip().lstrip(".") for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",")]
host = next((h for h in hosts if h and "*" not in h), "localhost")
port = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000").rsplit(":", 1)[-1]
request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"Host": host})
try:
    with urllib.request.urlopen(request, timeout=4) as response:  # noqa: S310 (fixed URL)
        sys.exit(0 if response.status == 200 else 1)
except OSError as error:
    print(f"healthz: {error}", file=sys.stderr)
    sys.exit(1)
