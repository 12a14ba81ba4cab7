"""TEMPORARY (not committed): EXPLAIN a deep /posts/ page at 20,000 posts."""
import pytest
from datetime import timedelta
from django.db import connection
from django.utils import timezone
from blog.models import Post
from tests.factories import AuthorFactory, CategoryFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgresql]


def explain(qs):
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as c:
        c.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(r[0] for r in c.fetchall())


def test_explain():
    author, cat = AuthorFactory(), CategoryFactory()
    now = timezone.now()
    rows = [Post(title=f"p{i}", slug=f"p{i}", body="x", body_html="<p>x</p>", author=author, category=cat,
                 status="published", published_at=now - timedelta(minutes=i),
                 kind="page" if i % 1000 == 0 else "post") for i in range(20000)]
    Post.all_kinds.bulk_create(rows, batch_size=2000)
    with connection.cursor() as c:
        c.execute("VACUUM ANALYZE blog_post")
    for name, qs in [("posts (kind='post')", Post.objects.public()), ("all rows (before)", Post.all_kinds.public())]:
        keys = qs.order_by("-published_at", "-id").values_list("pk", flat=True)[9000:9010]
        print(f"\n=== {name}: keys of page 901 (offset 9000)\n" + explain(keys))
        count = qs.order_by()
        sql, params = count.query.sql_with_params()
    for name, qs in [("count posts", Post.objects.public()), ("count all", Post.all_kinds.public())]:
        q = qs.order_by().values("pk")
        with connection.cursor() as c:
            sql, params = q.query.sql_with_params()
            c.execute("EXPLAIN (ANALYZE) SELECT count(*) FROM (" + sql + ") s", params)
            print(f"\n=== {name}\n" + "\n".join(r[0] for r in c.fetchall()))
