"""Full-text search on SQLite (the `make run` default): an FTS5 index with porter stemming.

PostgreSQL stays the production engine (`search_vector`, see `blog.selectors`); this gives
the embedded default a search that finds "Caching" for "cache" and ranks what it finds.
The index is a standalone FTS5 table keyed by post id, created by migration
0004_sqlite_fulltext and kept in step by `Post.save()` and the bulk path
(`PostQuerySet.index_for_search`) like the PostgreSQL vector (not by
triggers: Django rebuilds a SQLite table on some schema changes, which drops triggers).
Rows of deleted posts are harmless: results are always joined back to the posts.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models.expressions import RawSQL

if TYPE_CHECKING:
    from .models import Post, PostQuerySet

TABLE = "blog_post_fts"
# bm25 weights of title, summary (in the FTS column "excerpt") and body: the same order
# as PostgreSQL's A, B, C.
WEIGHTS = (10.0, 4.0, 1.0)
_WORD = re.compile(r"\w+")


def index_post(post: Post) -> None:
    """Put the post's current words in the index (replacing what was there): a
    members-only post's title and summary only, as on PostgreSQL (`search_document`)."""
    body = post.body if post.audience == "everyone" else ""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE rowid = %s", [post.pk])  # noqa: S608
        cursor.execute(
            f"INSERT INTO {TABLE} (rowid, title, excerpt, body) VALUES (%s, %s, %s, %s)",  # noqa: S608
            [post.pk, post.title, post.summary, body],
        )


# A quoted phrase, or a word with an optional leading "-" (websearch syntax).
_TERM = re.compile(r'(-?)"([^"]*)"?|(-?)([^\s"]+)')


def match_expression(query: str) -> str:
    """The reader's web-style query as an FTS5 query, as PostgreSQL's `websearch` reads it.

    `"exact phrase"`, `-excluded` and `or` work; every other word must match (stemmed),
    in any field. Each word is re-quoted from its letters alone, so FTS5's own syntax
    (`NEAR`, `*`, `:`, stray quotes) in a query is just text and never makes it fail. A
    group with only excluded words matches nothing (FTS5's NOT needs something to keep).
    """
    groups: list[list[tuple[bool, str]]] = [[]]
    for match in _TERM.finditer(query):
        minus, text = (match[1], match[2]) if match[2] is not None else (match[3], match[4])
        words = _WORD.findall(text)
        if not minus and match[2] is None and text.lower() == "or":
            groups.append([])
        elif words:
            groups[-1].append((bool(minus), " ".join(words)))
    expressions = []
    for group in groups:
        wanted = [f'"{phrase}"' for excluded, phrase in group if not excluded]
        unwanted = [f'NOT "{phrase}"' for excluded, phrase in group if excluded]
        if wanted:
            expressions.append(" ".join(wanted + unwanted))
    return " OR ".join(expressions)


def search(queryset: PostQuerySet, query: str) -> PostQuerySet:
    """Posts of `queryset` matching `query`, best first (with a `rank`, higher is better)."""
    expression = match_expression(query)
    if not expression:
        return queryset.none()
    # Constants only in the SQL text; the reader's words are a parameter.
    weights = ", ".join(str(w) for w in WEIGHTS)
    matching_sql = f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s"  # noqa: S608
    rank_sql = (
        f"SELECT -bm25({TABLE}, {weights}) FROM {TABLE} "  # noqa: S608
        f'WHERE {TABLE} MATCH %s AND {TABLE}.rowid = "blog_post"."id"'
    )
    matching = RawSQL(matching_sql, [expression])  # noqa: S611
    rank = RawSQL(rank_sql, [expression])  # noqa: S611
    return (
        queryset.filter(pk__in=matching)
        .annotate(rank=rank)
        .order_by("-rank", "-published_at", "-id")
    )
