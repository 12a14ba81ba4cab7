"""404, 400 and 500 pages in the site's layout."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "400.html", status=400)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors or database: whatever broke must not break this page too.
    return HttpResponse(loader.get_template("500.html").render(), status=500)
