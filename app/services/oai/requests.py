"""OAI-PMH 2.0 requests: the arguments of a GET or POST, checked into typed requests.

Every rule of the protocol's section 3 is applied here and answered with the error
code it names: a missing, unknown or repeated ``verb`` is badVerb; an unknown,
repeated, missing or superfluous argument, a malformed date, ``from`` after ``until``
or the two at different granularities is badArgument; a ``resumptionToken`` must come
alone (with the verb). What needs the catalogue (unknown identifier, format, no
records) is decided by :mod:`app.services.oai.provider`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Optional, Sequence, Union

from app.services.records.native import SET_PART

VERBS = {  # verb -> (required, optional); "resumptionToken" is exclusive where allowed
    "Identify": ((), ()),
    "ListMetadataFormats": ((), ("identifier",)),
    "ListSets": ((), ("resumptionToken",)),
    "GetRecord": (("identifier", "metadataPrefix"), ()),
    "ListIdentifiers": (("metadataPrefix",), ("from", "until", "set", "resumptionToken")),
    "ListRecords": (("metadataPrefix",), ("from", "until", "set", "resumptionToken")),
}
LIST_VERBS = ("ListIdentifiers", "ListRecords")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_SECOND = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
_PREFIX = re.compile(r"[A-Za-z0-9\-_.!~*'()]+")
_SET = re.compile(rf"{SET_PART.pattern}(:{SET_PART.pattern})*")


class OaiError(Exception):
    """One OAI-PMH error condition: ``code`` as the protocol spells it, ``message``
    in English for the harvester's operator."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Identify:
    pass


@dataclass(frozen=True)
class ListMetadataFormats:
    identifier: Optional[str] = None


@dataclass(frozen=True)
class ListSets:
    resumption_token: Optional[str] = None


@dataclass(frozen=True)
class GetRecord:
    identifier: str
    prefix: str


@dataclass(frozen=True)
class ListRequest:
    """ListIdentifiers or ListRecords: either a fresh list (prefix, window, set) or the
    continuation named by ``resumption_token`` (checked by the provider)."""

    verb: str
    prefix: str = ""
    since: Optional[datetime] = None      # from, inclusive
    before: Optional[datetime] = None     # until, exclusive (until + one granule)
    set: Optional[str] = None             # a setSpec; whether Kho has it is the provider's
    resumption_token: Optional[str] = None


Request = Union[Identify, ListMetadataFormats, ListSets, GetRecord, ListRequest]


@dataclass(frozen=True)
class Parsed:
    """A checked request and the arguments the response may echo in ``<request>``."""

    verb: str
    request: Request
    echo: dict[str, str]


def parse_datestamp(value: str, name: str) -> tuple[datetime, timedelta]:
    """(start, granule) of a ``from``/``until`` value at day or second granularity,
    in UTC. OaiError badArgument naming the argument otherwise."""
    try:
        if _SECOND.fullmatch(value):
            stamp = datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
            return stamp.replace(tzinfo=timezone.utc), timedelta(seconds=1)
        if _DAY.fullmatch(value):
            day = date.fromisoformat(value)
            return datetime.combine(day, time(), timezone.utc), timedelta(days=1)
    except ValueError:
        pass
    raise OaiError("badArgument", f"{name}={value!r} is not a UTC datestamp "
                                  "(YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ)")


def _window(args: dict[str, str]) -> tuple[Optional[datetime], Optional[datetime]]:
    since = until = None
    if "from" in args:
        since = parse_datestamp(args["from"], "from")
    if "until" in args:
        until = parse_datestamp(args["until"], "until")
    if since and until:
        if since[1] != until[1]:
            raise OaiError("badArgument", "from and until must have the same granularity")
        if since[0] > until[0]:
            raise OaiError("badArgument", "from is after until")
    return (since[0] if since else None), (_end_of(until) if until else None)


def _end_of(until: tuple[datetime, timedelta]) -> Optional[datetime]:
    """The exclusive end of an ``until`` granule; None (no end) for the last one a
    datetime can hold (``until=9999-12-31``)."""
    try:
        return until[0] + until[1]
    except OverflowError:
        return None


def _single_values(pairs: Sequence[tuple[str, str]]) -> dict[str, str]:
    args: dict[str, str] = {}
    repeated = []
    for key, value in pairs:
        if key in args:
            repeated.append(key)
        args[key] = value
    if "verb" in repeated:
        raise OaiError("badVerb", "the verb argument is repeated")
    if repeated:
        raise OaiError("badArgument", f"repeated argument: {', '.join(sorted(set(repeated)))}")
    return args


def _check_names(verb: str, args: dict[str, str]) -> None:
    required, optional = VERBS[verb]
    unknown = sorted(set(args) - {"verb"} - set(required) - set(optional))
    if unknown:
        raise OaiError("badArgument", f"{verb} does not take {', '.join(unknown)}")
    if "resumptionToken" in args:
        others = sorted(set(args) - {"verb", "resumptionToken"})
        if others:
            raise OaiError("badArgument", "resumptionToken is an exclusive argument; "
                                          f"do not send {', '.join(others)} with it")
        return
    missing = [name for name in required if not args.get(name)]
    if missing:
        raise OaiError("badArgument", f"{verb} needs {', '.join(missing)}")


def _check_values(args: dict[str, str]) -> None:
    prefix = args.get("metadataPrefix")
    if prefix is not None and not _PREFIX.fullmatch(prefix):
        raise OaiError("badArgument", f"metadataPrefix={prefix!r} is not a metadata prefix")
    spec = args.get("set")
    if spec is not None and not _SET.fullmatch(spec):
        raise OaiError("badArgument", f"set={spec!r} is not a setSpec")
    if "identifier" in args and not args["identifier"]:
        raise OaiError("badArgument", "identifier is empty")


def parse(pairs: Sequence[tuple[str, str]]) -> Parsed:
    """Check the (name, value) pairs of a request (query string or form body, in
    order, repeats kept). Raises OaiError with the protocol's code."""
    args = _single_values(pairs)
    verb = args.get("verb")
    if verb not in VERBS:
        raise OaiError("badVerb", "no verb given" if verb is None
                       else f"{verb!r} is not an OAI-PMH verb")
    _check_names(verb, args)
    _check_values(args)
    echo = dict(args)
    if verb == "Identify":
        return Parsed(verb, Identify(), echo)
    if verb == "ListMetadataFormats":
        return Parsed(verb, ListMetadataFormats(args.get("identifier")), echo)
    if verb == "ListSets":
        return Parsed(verb, ListSets(args.get("resumptionToken")), echo)
    if verb == "GetRecord":
        return Parsed(verb, GetRecord(args["identifier"], args["metadataPrefix"]), echo)
    if "resumptionToken" in args:
        return Parsed(verb, ListRequest(verb, resumption_token=args["resumptionToken"]), echo)
    since, before = _window(args)
    return Parsed(verb, ListRequest(verb, args["metadataPrefix"], since, before,
                                    args.get("set")), echo)
