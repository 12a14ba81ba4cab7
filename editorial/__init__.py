"""The newsroom's tools around `blog.Post`: autosave, revisions, review, slug redirects.

A room of its own (see DESIGN.md): it depends on `blog`, and `blog` never imports it.
"""
