"""What answers a URL under /api/ that no API route matches.

A URL that only lacks its trailing slash gets a 308 to the slashed URL (a 308 keeps the
method and the body, so a POST stays a POST; Django's APPEND_SLASH would answer a 301,
which clients follow with a GET, or a 500 under DEBUG). Anything else is a 404 problem.
"""

from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt

from api.problems import problem_response


@csrf_exempt  # answers only with errors and redirects: nothing to protect
def unknown_url(request: HttpRequest, rest: str = "") -> HttpResponse:
    """308 to the slashed URL when that one exists; otherwise a 404 problem."""
    if not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not unknown_url:
            query = request.META.get("QUERY_STRING", "")
            location = request.path + "/" + (f"?{query}" if query else "")
            response = problem_response(
                308,
                f"API URLs end with a slash: repeat this request at {location}.",
                code="trailing_slash",
            )
            response["Location"] = location
            return response
    return problem_response(404, "No API resource at this URL.")
