"""Moving in and out: importers (WordPress, Ghost, our own export) and the exporter.

Depends on `blog`; `blog` never imports from here. See docs/import-export.md.
"""
