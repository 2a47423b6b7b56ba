"""What an admin's save did, said in the page's language for the message after it.

"Đã lưu xa-moi-360." told an admin neither which unit nor what changed. The services
say which fields changed (:class:`app.services.catalogue.vocabulary_admin.Saved`,
:class:`app.services.access.account_admin.UserChange`); these functions name the
thing by its label and the changes in words: "Đã lưu đơn vị «Xã Mới»: đổi tên, ngày
hiệu lực."
"""
from __future__ import annotations

from typing import Iterable

from flask_babel import gettext as _

from app.services.access.account_admin import UserChange
from app.services.catalogue.vocabulary_admin import Saved
from app.web.formatting import locale_code


def _unit_words() -> dict[str, str]:
    """A unit's fields as the changes name them (both validity dates are one)."""
    return {"name": _("the name"), "valid_from": _("the validity dates"),
            "valid_to": _("the validity dates"), "successor": _("the successor unit"),
            "letterhead_name": _("the name on documents"),
            "place_name": _("the place on documents"),
            "signer_title": _("the signer's title"), "signer_name": _("the signer's name"),
            "reports_to": _("where its reports go"),
            "consolidates": _("whether it collects the yearly contributions")}


def _term_words() -> dict[str, str]:
    """A term's fields as the changes name them (the state is said on its own)."""
    return {"label_vi": _("the Vietnamese label"), "label_en": _("the English label"),
            "ethnic_minority": _("the ethnic-minority language flag"),
            "foreign": _("the foreign language flag"),
            "digital_platform": _("the digital platform flag")}


def _changed(fields: Iterable[str], words: dict[str, str]) -> list[str]:
    """["changed the name, the validity dates"] for the fields that have words ([] for
    none); a word said once."""
    named = list(dict.fromkeys(words[f] for f in fields if f in words))
    return [_("changed %(what)s", what=", ".join(named))] if named else []


def unit_saved(saved: Saved) -> str:
    """"Saved unit «Xã Mới»: changed the name, the validity dates." ("Đã lưu đơn vị
    «Xã Mới»: đổi tên, ngày hiệu lực."), or that nothing changed."""
    parts = _changed(saved.changed, _unit_words())
    if not parts:
        return _("Unit «%(name)s»: nothing changed.", name=saved.label_vi)
    return _("Saved unit «%(name)s»: %(changes)s.", name=saved.label_vi,
             changes="; ".join(parts))


def term_saved(saved: Saved) -> str:
    """"Saved entry «Zalo xã»: changed the Vietnamese label; no longer offered in the
    forms." (the label in the page's language), or that nothing changed."""
    parts = _changed(saved.changed, _term_words())
    if "active" in saved.changed:
        parts.append(_("offered in the forms again") if saved.active
                     else _("no longer offered in the forms"))
    label = saved.label_en if locale_code() == "en" and saved.label_en else saved.label_vi
    if not parts:
        return _("Entry «%(name)s»: nothing changed.", name=label)
    return _("Saved entry «%(name)s»: %(changes)s.", name=label, changes="; ".join(parts))


def _account(change: UserChange) -> str:
    """«Full name» (login), or «login» for an account without a name."""
    user = change.user
    if user.display_name and user.display_name != user.username:
        return f"«{user.display_name}» ({user.username})"
    return f"«{user.username}»"


def user_saved(change: UserChange, role_names: dict[str, str]) -> str:
    """"Saved account «Nguyễn Thu Hà» (thuha): role now producer; disabled: signed out
    everywhere." (``role_names``: role code -> its name), or that nothing changed."""
    user, parts = change.user, []
    if "role" in change.changed:
        parts.append(_("role now %(role)s", role=role_names.get(user.role, user.role)))
    if "active" in change.changed:
        parts.append(_("enabled again") if user.active
                     else _("disabled: signed out everywhere"))
    if "unit" in change.changed:
        parts.append(_("unit now %(unit)s", unit=user.unit_name) if user.unit_name
                     else _("no unit any more"))
    if not parts:
        return _("Account %(name)s: nothing changed.", name=_account(change))
    return _("Saved account %(name)s: %(changes)s.", name=_account(change),
             changes="; ".join(parts))
