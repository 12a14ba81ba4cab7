"""The post's domain events: what other code listens to instead of `post_save`.

Sent by `blog.services` (every write of a post, the importers' bulk path included) and
by the publish sweep (`post_went_public`); never by a bare `Post.save()`, so a listener
runs once per write however many rows or saves the write takes. Listeners live with
what they do: blog's own caches and tombstones in `blog.signals`, deliveries in
`webhooks.signals`, revisions in `editorial.signals`; blog imports none of them.

Every event is sent with `sender=Post` and a batch, so one write and one import batch
look alike (a write sends a list of one), and `user`, who wrote (None: a system write,
an import, the shell):

    post_created      posts, user, tags_changed
    post_updated      posts, before, user, tags_changed  (every update, publish, unpublish)
    post_published    posts, before, user           (the write made them public now)
    post_unpublished  posts, before, user           (the write hid posts that were public)
    post_deleted      posts, user                   (`PostSnapshot`s of the deleted rows)
    post_went_public  post_ids                       (the sweep: public by the clock)
    post_expired      post_ids                       (the sweep: hidden by the clock)
    posts_touched     post_ids                       (something they show changed elsewhere)

`before` maps each post's id to its stored row as the write found it (`PostSnapshot`,
read under the write's row lock). A scheduled post is not "published" by the write that
schedules it: it goes public by the clock, and the sweep sends `post_went_public`.

**When.** Inside the write's transaction, after its rows (tags included) are written:
a listener that writes rows (a tombstone, a webhook delivery) commits or rolls back with
the write; one that acts outside the database (retiring cached pages, sending a task,
a mail) registers it with `transaction.on_commit`, so a rolled-back write does nothing.
"""

from django.dispatch import Signal

post_created = Signal()
post_updated = Signal()
post_published = Signal()
post_unpublished = Signal()
post_deleted = Signal()
# Sent once per sweep batch, inside the claiming transaction (`blog.sweep`).
post_went_public = Signal()
# Sent once per sweep batch for announced posts whose `expires_at` has passed, inside the
# claiming transaction (`blog.sweep`): the same listeners as an unpublish follow it.
post_expired = Signal()
# Sent by `PostQuerySet.touch` with the `post_ids` whose representation changed without a
# write of their own (a tag renamed, a category edited, a new byline or cover image),
# inside the writing transaction.
posts_touched = Signal()
