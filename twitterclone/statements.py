"""Statements the ORM compiles once per shape and kind of viewer, then run many times.

The visibility rule is a large Q tree: Django spends several ms of CPU compiling a query that
applies it (about 20 ms for the notifications' rule), against a ms or two to run it. The hot
reads (tweets.cards' page statement under every home, user and tweet page; the notifications
list and the unread count on every signed-in page) have the ORM compile their query once for
a stand-in viewer whose id is a sentinel parameter, capture the statement through
`connection.execute_wrapper` (Django's documented "Database instrumentation" hook; the
wrapper raises instead of executing, as the docs' blocker example does) and run it per
request with the real values. Only the per-request compile goes away: the rule is still
written once, in the ORM, and the rows are turned into objects with public API.

The cache key is the statement's shape (the caller's key) and whatever the rule read of the
viewer while it was compiled: the stand-in records every attribute read (an id only as "has
one") and refuses method calls, whose answer could depend on anything, so a rule that starts
reading a new input keys on it by itself (tweets/tests/test_page_statement.py changes the
rule and checks that no statement is reused across the new input).
"""

import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections

from twitterclone.replicas import read_connection

_STAND_IN_VIEWER = -8_000_000_000_000_011
# Other values a statement takes per run (a cursor's id, an array of ids) stand in as these:
# a value the ORM would bind as one parameter, or as a one-element array (`Value([sentinel])`).
SENTINELS = (-8_000_000_000_000_012, -8_000_000_000_000_013)
# A text value (a lower-cased username, a token's hash) stands in as this string: lower case
# and without characters any escaping or lower() would change.
TEXT_SENTINEL = "stand-in-text-8000000000000014"
_ID_ATTRIBUTES = ("pk", "id")


class _StandIn:
    """Stand in for a viewer while a statement is compiled; record what the rule reads."""

    def __init__(self, viewer):
        self._viewer = viewer
        self._read: dict[str, object] = {}

    def __getattr__(self, name: str):
        value = getattr(self._viewer, name)
        if name in _ID_ATTRIBUTES:
            self._read["pk"] = value is None
            return None if value is None else _STAND_IN_VIEWER
        if callable(value):
            raise TypeError(f"the visibility rule may read plain viewer attributes, not {name}()")
        self._read[name] = value
        return value

    def inputs(self) -> tuple[tuple[str, object], ...]:
        return tuple(sorted(self._read.items()))


def _input_value(viewer, name: str) -> object:
    return viewer.pk is None if name == "pk" else getattr(viewer, name)


class _Captured(Exception):
    def __init__(self, sql: str, params: tuple):
        self.sql, self.params = sql, params


def _capture(execute, sql, params, many, context):
    """An execute wrapper that keeps the statement instead of running it."""
    raise _Captured(sql, tuple(params or ()))


@dataclass(frozen=True)
class Statement:
    inputs: tuple[tuple[str, object], ...]
    sql: str
    params: tuple

    def __post_init__(self) -> None:
        # The positions of the parameters a run replaces, found once: most are constants.
        marked = dict.fromkeys((_STAND_IN_VIEWER, *SENTINELS, TEXT_SENTINEL), _MARK)
        slots = tuple(i for i, param in enumerate(self.params) if _replaced(param, marked) is _MARK)
        object.__setattr__(self, "_slots", slots)

    def serves(self, viewer) -> bool:
        return all(_input_value(viewer, name) == value for name, value in self.inputs)

    def run_for_viewers(self, viewer_ids: list[int], *values) -> list[tuple]:
        """Run once for many viewers of this statement's kind; each row leads with its viewer.

        The statement becomes the body of a LATERAL join over the viewer ids: every
        placeholder that held the stand-in viewer's id reads the joined id instead, the
        other values are bound as in `run`. One statement instead of one per viewer (a
        live event built for a thousand connected followers, stream.selectors).
        """
        pieces, params, position = [], [], 0
        replace = dict(zip(SENTINELS, values, strict=False))
        for piece in _PLACEHOLDER.split(self.sql):
            if piece != "%s":
                pieces.append(piece)
                continue
            param = self.params[position]
            position += 1
            if _is_int(param) and param == _STAND_IN_VIEWER:
                pieces.append("viewers.viewer_id")
            elif _replaced(param, {_STAND_IN_VIEWER: True}) is True:
                raise RuntimeError("the viewer id is inside a value; run() per viewer instead")
            else:
                pieces.append("%s")
                params.append(_replaced(param, replace))
        sql = (
            "SELECT viewers.viewer_id, per_viewer.* "
            "FROM unnest(%s::bigint[]) AS viewers(viewer_id) "
            f"CROSS JOIN LATERAL ({''.join(pieces)}) AS per_viewer"
        )
        with read_connection().cursor() as cursor:
            cursor.execute(sql, [list(viewer_ids), *params])
            return cursor.fetchall()

    def run(self, viewer, *values, text: str | None = None, primary: bool = False) -> list[tuple]:
        """Run with `viewer`'s id and `values` in place of SENTINELS; return the rows.

        `text` takes TEXT_SENTINEL's place. On the request's read connection (a replica when
        twitterclone.replicas chose one), or on the primary with `primary=True`: who the viewer
        is (a token) must never wait for a replica to catch up.
        """
        replace = {_STAND_IN_VIEWER: viewer.pk, **dict(zip(SENTINELS, values, strict=False))}
        if text is not None:
            replace[TEXT_SENTINEL] = text
        params = list(self.params)
        for index in self._slots:
            params[index] = _replaced(params[index], replace)
        with (connections[DEFAULT_DB_ALIAS] if primary else read_connection()).cursor() as cursor:
            cursor.execute(self.sql, params)
            return cursor.fetchall()


_MARK = object()
# A placeholder, or an escaped percent sign (kept as it is).
_PLACEHOLDER = re.compile(r"(%%|%s)")


def _is_int(value) -> bool:
    # psycopg's Int4/Int8 wrappers (Django passes array items as them) are ints too.
    return isinstance(value, int) and not isinstance(value, bool)


def _replaced(param, replace: dict):
    if (_is_int(param) or isinstance(param, str)) and param in replace:
        return replace[param]
    one_int = isinstance(param, list) and len(param) == 1 and _is_int(param[0])
    if one_int and param[0] in replace:
        return replace[param[0]]
    return param


# Shapes multiply (types, cursor or not, limit 1..100): keep the most recently used ones only,
# so a client walking every combination cannot grow a process without bound.
MAX_SHAPES = 64
_statements: OrderedDict[tuple, list[Statement]] = OrderedDict()


def statement(key: tuple, viewer, build: Callable) -> Statement:
    """Return the statement `build(stand_in)` runs for viewers like `viewer`, compiled once.

    `build` makes the query for the stand-in viewer and runs it (list(), count()...); the
    run is intercepted before it reaches the database.
    """
    if key in _statements:
        _statements.move_to_end(key)
        for known in _statements[key]:
            if known.serves(viewer):
                return known
    # A lazy request.user loads its row here: inside the capture below, its query would be
    # taken for the statement (a page whose first compile is the view's first user read).
    has_id = viewer.pk is not None
    stand_in = _StandIn(viewer)
    reads = read_connection()
    # Connect first: a new connection's own set-up queries (django.contrib.postgres looks up
    # the hstore type) would otherwise be the first statement the capture takes.
    reads.ensure_connection()
    try:
        with reads.execute_wrapper(_capture):
            build(stand_in)
    except _Captured as captured:
        compiled = Statement(stand_in.inputs(), captured.sql, captured.params)
    else:  # pragma: no cover - the wrapper always raises
        raise RuntimeError("the statement did not reach the database")
    if has_id and not any(
        _replaced(param, {_STAND_IN_VIEWER: True}) is True for param in compiled.params
    ):
        raise RuntimeError(f"the statement {key!r} lost its viewer id; see twitterclone.statements")
    _statements.setdefault(key, []).append(compiled)
    while len(_statements) > MAX_SHAPES:
        _statements.popitem(last=False)
    return compiled


def statements_compiled(key: tuple) -> list[Statement]:
    """Return the statements compiled so far under `key` (one per kind of viewer)."""
    return list(_statements.get(key, ()))
