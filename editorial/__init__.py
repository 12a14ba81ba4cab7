"""The newsroom's tools around `blog.Post`: autosave, revisions and the review queue.

It depends on `blog` and extends the post admin through `blog.admin.hooks`; `blog` never
imports it (docs/architecture.md).
"""
