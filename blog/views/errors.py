"""400, 404 and 500 pages in the site's layout; problem details (RFC 9457) under /api/."""

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader

from api.problems import problem_response


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return problem_response(404, "No API resource at this URL.")
    return render(request, "404.html", status=404)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        if isinstance(exception, RequestDataTooBig):
            return problem_response(413, "The request body is larger than this API accepts.")
        return problem_response(400, "Bad request.")
    # Standalone: a bad Host header would make the layout's absolute URLs fail again.
    return HttpResponse(loader.get_template("400.html").render(), status=400)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return problem_response(500, "Server error. It has been logged.")
    # No context processors or database: whatever broke must not break this page too.
    return HttpResponse(loader.get_template("500.html").render(), status=500)
