"""JSON response bodies written by orjson instead of the standard library.

``GET /api/v1/stats`` of a province is a 1.4 MB body (the airings per commune and month
alone are ~7,000 rows at 100,000 products): Flask's default provider (``json.dumps``
with sorted keys) took 15–24 ms to write it, more than everything else a served request
does; orjson writes the same document in 2 ms.

What a client parses is unchanged: keys sorted, compact separators, a final newline,
and every type Flask's provider converts converted by the same function
(``DefaultJSONProvider.default``: dates as HTTP dates, dataclasses as dicts, ``Markup``
through ``__html__``, UUIDs and Decimals as strings). Only the text differs where JSON
allows it to: characters beyond ASCII are written as UTF-8 instead of ``\\u`` escapes
(Vietnamese words get shorter), and a non-string dict key is written as a string, as
``json.dumps`` does; NaN and infinities (never sent: shares of 0/0 are 0.0) would be
``null``. A value orjson cannot write (a named tuple, an integer past 64 bits, a lone
surrogate) goes to Flask's provider, as before. In debug mode (indented bodies) and for :meth:`dumps` (the
templates' ``tojson``) Flask's own provider still writes.
"""
from __future__ import annotations

from typing import Any

import orjson
from flask import Response
from flask.json.provider import DefaultJSONProvider

_OPTIONS = (orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS | orjson.OPT_APPEND_NEWLINE
            | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS)


class FastJSONProvider(DefaultJSONProvider):
    """Flask's provider with :meth:`response` written by orjson (see the module)."""

    def response(self, *args: Any, **kwargs: Any) -> Response:
        """The JSON response of ``jsonify(...)``; TypeError for a value neither orjson
        nor Flask's provider can write (as before)."""
        if (self.compact is None and self._app.debug) or self.compact is False:
            return super().response(*args, **kwargs)
        obj = self._prepare_response_obj(args, kwargs)
        try:
            body = orjson.dumps(obj, default=self.default, option=_OPTIONS)
        except orjson.JSONEncodeError:
            # what orjson does not write but json.dumps does (a named tuple, an integer
            # past 64 bits, a lone surrogate): Flask's provider writes it as before
            return super().response(*args, **kwargs)
        return self._app.response_class(body, mimetype=self.mimetype)
