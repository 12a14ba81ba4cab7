"""Full-text search over public posts and pages (a page's entry says "Page", no date)."""

from django.core.paginator import InvalidPage
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

from pagecache.paginator import DeferredJoinPaginator

from ..fragments import post_summaries
from ..models import Post
from ..selectors import MAX_QUERY_LENGTH, QueryTooLong, search_posts
from .pages import PAGE_SIZE


def search(request: HttpRequest) -> HttpResponse:
    response = _search(request)
    if request.user.is_authenticated:  # what a signed-in person searched for: kept nowhere
        add_never_cache_headers(response)
    return response


def _search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    context = {"query": query.strip(), "max_length": MAX_QUERY_LENGTH}
    try:
        results = search_posts(Post.all_kinds.public().for_listing(), query)
    except QueryTooLong as error:
        context.update(error=str(error), query="")
        return render(request, "blog/search.html", context, status=400)
    if context["query"]:
        paginator = DeferredJoinPaginator(
            results, PAGE_SIZE, count_key=f"search:{' '.join(context['query'].split())}"
        )
        try:
            page = paginator.page(request.GET.get("page") or 1)
        except InvalidPage as error:
            raise Http404("No such page of results.") from error
        summaries, menu = post_summaries(page.object_list)
        context.update(
            page_obj=page,
            posts=page.object_list,
            summaries=summaries,
            menu=menu,
            paginator=paginator,
        )
    return render(request, "blog/search.html", context)
