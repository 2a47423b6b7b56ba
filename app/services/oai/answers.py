"""What an OAI-PMH request answers, as data: built by :mod:`app.services.oai.provider`
from the catalogue, written out by :mod:`app.services.oai.responses`."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Optional


@dataclass(frozen=True)
class Header:
    identifier: str
    datestamp: datetime
    sets: list[str]
    deleted: bool = False
    product_id: int = 0


@dataclass(frozen=True)
class Entry:
    header: Header
    metadata: Optional[str] = None        # the metadata element, XML text


@dataclass
class Answer:
    """What a request answers: the verb's body for :mod:`app.services.oai.responses`, and
    the records to note as published once the response has been sent."""

    verb: str
    body: object
    published: list[tuple[int, datetime]] = field(default_factory=list)


@dataclass(frozen=True)
class ListPage:
    entries: list[Entry]
    token: Optional[str]          # None: the list was complete in one response
    cursor: int
    total: int
    expires: Optional[datetime]
    last: bool
