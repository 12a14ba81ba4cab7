"""A WSGI app for tests/deploy/test_gunicorn_access_log.py: answers every request with
the `X-Request-ID` it was sent (as Django's RequestIdMiddleware does) and 5 bytes."""


def application(environ, start_response):
    request_id = environ.get("HTTP_X_REQUEST_ID", "-")
    start_response("200 OK", [("Content-Type", "text/plain"), ("X-Request-ID", request_id)])
    return [b"hello"]
