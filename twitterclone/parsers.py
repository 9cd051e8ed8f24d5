"""The API's request parser (REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]).

Its own module: DRF imports the parser setting while `rest_framework.views` loads, so the
parser must not live in a module that imports `rest_framework.views` itself.
"""

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """DRF's parser, plus a 400 for JSON nested deeper than Python can parse (not a 500)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply.") from None
