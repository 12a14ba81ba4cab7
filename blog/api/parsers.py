"""The API's only body parser: JSON, refusing documents nested too deeply to decode.

`rest_framework.parsers.JSONParser` lets the `RecursionError` of a body like `[[[[…]]]]`
escape as a 500; this one answers 400 like any other malformed body. Use it in
`parser_classes` of every API view that accepts a body.
"""

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """JSON only (anything else is a 415); nesting too deep for Python is a 400."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise ParseError("JSON parse error - the document is nested too deeply.") from error
