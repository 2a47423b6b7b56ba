"""OAI-PMH 2.0 response documents, written as a stream of XML text chunks.

Each response is one ``<OAI-PMH>`` document valid against the protocol's schema: the
envelope first, then one chunk per record or header, so a page of records is sent as
it is written. The ``<request>`` element echoes the arguments except after badVerb
and badArgument, where the protocol asks for the base URL alone.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Iterator

from app.services.records import xml_text
from app.services.oai.requests import OaiError
from app.services.oai.answers import Answer, Entry, Header, ListPage
from config import Settings

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
OAI_SCHEMA = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
OAI_ID_NS = "http://www.openarchives.org/OAI/2.0/oai-identifier"
NO_ECHO = ("badVerb", "badArgument")
_DOMAIN = re.compile(r"[a-zA-Z][a-zA-Z0-9\-]*(\.[a-zA-Z][a-zA-Z0-9\-]*)+")


def datestamp(value: datetime) -> str:
    """UTC at second granularity: ``2024-05-31T08:15:00Z``."""
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _open(now: datetime, base_url: str, echo: dict[str, str]) -> str:
    attrs = "".join(f' {k}="{xml_text.attr(v)}"' for k, v in echo.items())
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<OAI-PMH xmlns="{OAI_NS}" xmlns:xsi="{XSI_NS}" '
            f'xsi:schemaLocation="{OAI_NS} {OAI_SCHEMA}">'
            f"<responseDate>{datestamp(now)}</responseDate>"
            f"<request{attrs}>{xml_text.text(base_url)}</request>")


def error_response(now: datetime, base_url: str, echo: dict[str, str],
                   error: OaiError) -> Iterator[str]:
    """The document for one error condition."""
    yield _open(now, base_url, {} if error.code in NO_ECHO else echo)
    yield xml_text.element("error", error.message, code=error.code)
    yield "</OAI-PMH>\n"


def header(h: Header) -> str:
    status = ' status="deleted"' if h.deleted else ""
    sets = "".join(xml_text.element("setSpec", s) for s in h.sets)
    return (f"<header{status}>{xml_text.element('identifier', h.identifier)}"
            f"<datestamp>{datestamp(h.datestamp)}</datestamp>{sets}</header>")


def record(entry: Entry) -> str:
    metadata = f"<metadata>{entry.metadata}</metadata>" \
        if entry.metadata is not None and not entry.header.deleted else ""
    return f"<record>{header(entry.header)}{metadata}</record>"


def _token(page: ListPage) -> str:
    if page.token is None and page.cursor == 0:
        return ""                          # complete in one response: no token at all
    expires = f' expirationDate="{datestamp(page.expires)}"' if page.expires else ""
    return (f'<resumptionToken{expires} completeListSize="{page.total}" '
            f'cursor="{page.cursor}">{page.token or ""}</resumptionToken>')


def _identify(base_url: str, earliest: datetime, settings: Settings) -> Iterator[str]:
    yield ("<Identify>" + xml_text.element("repositoryName", settings.oai_repository_name)
           + xml_text.element("baseURL", base_url) + "<protocolVersion>2.0</protocolVersion>"
           + xml_text.element("adminEmail", settings.oai_admin_email)
           + f"<earliestDatestamp>{datestamp(earliest)}</earliestDatestamp>"
           "<deletedRecord>persistent</deletedRecord>"
           "<granularity>YYYY-MM-DDThh:mm:ssZ</granularity>"
           + _oai_identifier(settings.oai_repository_identifier) + "</Identify>")


def _oai_identifier(repository: str) -> str:
    """The oai-identifier description harvesters use to parse identifiers; only when
    the setting is a domain name, as that scheme requires."""
    if not _DOMAIN.fullmatch(repository):
        return ""
    return (f'<description><oai-identifier xmlns="{OAI_ID_NS}" xsi:schemaLocation='
            f'"{OAI_ID_NS} {OAI_ID_NS}.xsd"><scheme>oai</scheme>'
            f"<repositoryIdentifier>{repository}</repositoryIdentifier><delimiter>:</delimiter>"
            f"<sampleIdentifier>oai:{repository}:1</sampleIdentifier></oai-identifier>"
            "</description>")


def _formats(formats: list[tuple[str, str, str]]) -> Iterator[str]:
    yield "<ListMetadataFormats>"
    for prefix, schema, namespace in formats:
        yield ("<metadataFormat>" + xml_text.element("metadataPrefix", prefix)
               + xml_text.element("schema", schema)
               + xml_text.element("metadataNamespace", namespace) + "</metadataFormat>")
    yield "</ListMetadataFormats>"


def _sets(sets: list[tuple[str, str]]) -> Iterator[str]:
    yield "<ListSets>"
    for spec, name in sets:
        yield f"<set>{xml_text.element('setSpec', spec)}{xml_text.element('setName', name)}</set>"
    yield "</ListSets>"


def _list(verb: str, page: ListPage) -> Iterator[str]:
    yield f"<{verb}>"
    for entry in page.entries:
        yield header(entry.header) if verb == "ListIdentifiers" else record(entry)
    yield _token(page) + f"</{verb}>"


def response(now: datetime, base_url: str, echo: dict[str, str], answer: Answer,
             settings: Settings) -> Iterator[str]:
    """The document answering a request that succeeded."""
    yield _open(now, base_url, echo)
    if answer.verb == "Identify":
        yield from _identify(base_url, answer.body, settings)
    elif answer.verb == "ListMetadataFormats":
        yield from _formats(answer.body)
    elif answer.verb == "ListSets":
        yield from _sets(answer.body)
    elif answer.verb == "GetRecord":
        yield f"<GetRecord>{record(answer.body)}</GetRecord>"
    else:
        yield from _list(answer.verb, answer.body)
    yield "</OAI-PMH>\n"
