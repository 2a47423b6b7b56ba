"""Access in a product's history (issue 26) as sentences in the reader's language.

The access fields of an audited edit (level, audience, embargo, protocol note, a
file's own level) by name and value, a consent recorded or removed
(:mod:`app.services.catalogue.consents`: "Nguyễn Thu Hà đã ghi nhận sự đồng ý của Già
làng A Blưu (Phát thanh)"), and each step of an access request
(:mod:`app.services.access.requests`: asked, granted until a day, refused with its
reason, withdrawn). :mod:`app.web.history` asks here for these and says the rest.
Values typed by people are escaped: a sentence is Markup built from escaped parts.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Callable

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from markupsafe import Markup

from app.web.formatting import say, vn_date
from app.web.labels import consent_words, file_access_words, level_label

# "sensitive" stays in the history's own names, for edits recorded before issue 26
ACCESS_FIELD_NAMES = {
    "access_level": lazy_gettext("Access level"),
    "audience_units": lazy_gettext("Audience: units"),
    "audience_roles": lazy_gettext("Audience: roles"),
    "embargo_until": lazy_gettext("Embargo until"),
    "protocol_note": lazy_gettext("Community protocol note"),
    "consents": lazy_gettext("Consents"), "file_access": lazy_gettext("Access of a file"),
}
# fields whose audited values need more than a label: field -> value in words
ACCESS_VALUES: dict[str, Callable[[Any], str]] = {
    "access_level": lambda v: level_label(str(v)),
    "audience_roles": lambda v: ", ".join(_(str(r)) for r in v),
    "consents": consent_words, "file_access": file_access_words,
}
CONSENT_ACTIONS = ("consent.add", "consent.remove")


def consent_sentence(action: str, who: str, changes: dict[str, Any]) -> Markup:
    """A consent recorded (``consent.add``) or removed (``consent.remove``), naming who
    gave it and for which uses; ``changes`` is the audited ``{"consents": [before,
    after]}``."""
    before, after = changes.get("consents") or [None, None]
    if action == "consent.add":
        return say(_("%(user)s recorded the consent of %(who)s"), user=who,
                   who=consent_words(after))
    return say(_("%(user)s removed the consent of %(who)s"), user=who,
               who=consent_words(before))


def access_request_sentence(action: str, who: str, detail: str) -> Markup:
    """An access request's step (``access.*``): its detail is ``request <id>: <reason
    or until day>``; the day is shown dd/mm/yyyy (as it came when it is not a date)."""
    head, _sep, rest = detail.partition(": ")
    number = head.removeprefix("request ")
    if action == "access.grant" and rest.startswith("until "):
        day = rest[6:16]
        try:
            day = vn_date(date.fromisoformat(day))
        except ValueError:
            pass
        return say(_("%(user)s granted access request %(id)s until %(day)s"), user=who,
                   id=number, day=day)
    if action == "access.refuse":
        return say(_("%(user)s refused access request %(id)s: %(reason)s"), user=who,
                   id=number, reason=rest)
    if action == "access.withdraw":
        return say(_("%(user)s withdrew access request %(id)s"), user=who, id=number)
    return say(_("%(user)s asked for access (request %(id)s): %(reason)s"), user=who,
               id=number, reason=rest)
