"""The API's only body parser: JSON, refusing documents nested too deeply to decode and
strings that are not Unicode text.

`rest_framework.parsers.JSONParser` lets the `RecursionError` of a body like `[[[[…]]]]`
escape as a 500, and accepts `"\\ud800"` (a lone surrogate, which no UTF-8 response or
database can hold; echoed in an error message, it was a 500); this one answers 400 like
any other malformed body. Use it in `parser_classes` of every API view that accepts a body.
"""

import json

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """JSON only (anything else is a 415); too deep nesting or lone surrogates are a 400."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise ParseError("JSON parse error - the document is nested too deeply.") from error
        try:
            json.dumps(data, ensure_ascii=False).encode()
        except UnicodeEncodeError as error:
            raise ParseError("JSON parse error - a lone surrogate is not text.") from error
        return data
