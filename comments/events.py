"""The comments app's domain signals (sent inside the writing transaction; a listener
acting outside the database uses `transaction.on_commit`).

    comment_created    comment    a member posted it (or an import wrote it), any status
    comment_approved   comment    it became visible to readers (at once or by a moderator)
    comment_removed    comment    a moderator removed it, marked it spam, or its member deleted it
    comment_edited     comment    its member edited it while it was visible
"""

from django.dispatch import Signal

comment_created = Signal()
comment_approved = Signal()
comment_removed = Signal()
# An approved comment's words changed (its member edited it): what readers see changed.
comment_edited = Signal()
