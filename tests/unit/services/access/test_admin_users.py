"""Admin user care through the service layer: a new password for a user who forgot
theirs, and moving a commune account to another commune after the 2025 mergers."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.services.access import accounts
from app.services.access import account_admin
from app.services.access.sign_in_limit import LoginRateLimiter, TooManyAttempts
from archive.errors import AuthenticationRequired, NotFound, PermissionDenied, ValidationError
from archive.models import Event

OLD, NEW = "mật-khẩu-cũ-dài", "mật-khẩu-mới-dài"


@pytest.fixture
def people(kho):
    accounts.add_user(kho, "quantri", "admin", OLD)
    accounts.add_user(kho, "dakkoi", "commune", OLD, commune="xa-dak-koi-2025")
    accounts.add_user(kho, "vanphong", "office", OLD)
    return {name: accounts.actor_by_name(kho, name) for name in ("quantri", "dakkoi",
                                                                 "vanphong")}


def _events(kho, action: str) -> list[str]:
    with kho.transaction() as session:
        return list(session.scalars(select(Event.detail).where(Event.action == action)))


def test_admin_sets_a_new_password_the_old_one_stops_working(kho, people):
    account_admin.set_password(kho, people["quantri"], people["dakkoi"].user_id, NEW)
    assert accounts.sign_in(kho, "dakkoi", NEW)[0].username == "dakkoi"
    with pytest.raises(AuthenticationRequired):
        accounts.sign_in(kho, "dakkoi", OLD)
    details = _events(kho, "user.password")
    assert details == ["dakkoi: new password set"]
    assert all(NEW not in d and OLD not in d for d in details)


def test_a_new_password_changes_the_session_stamp_but_keeps_api_tokens(kho, people):
    uid = people["dakkoi"].user_id
    from app.services.access.browser_sessions import actor_for_session, open_session

    _, stamp = accounts.sign_in(kho, "dakkoi", OLD)
    browser = open_session(kho, uid)
    token = accounts.create_token(kho, "dakkoi")
    assert actor_for_session(kho, uid, stamp, browser).username == "dakkoi"
    account_admin.set_password(kho, people["quantri"], uid, NEW)
    assert actor_for_session(kho, uid, stamp, browser) is None
    _, new_stamp = accounts.sign_in(kho, "dakkoi", NEW)
    assert actor_for_session(kho, uid, new_stamp, open_session(kho, uid)).username == "dakkoi"
    assert accounts.actor_for_token(kho, token).username == "dakkoi"


def test_a_new_password_lifts_the_sign_in_block(kho, people):
    limiter = LoginRateLimiter(kho, limit=2)
    for _ in range(2):
        limiter.attempt("10.0.0.7", "dakkoi")
    with pytest.raises(TooManyAttempts):
        limiter.attempt("10.0.0.7", "dakkoi")
    account_admin.set_password(kho, people["quantri"], people["dakkoi"].user_id, NEW)
    limiter.attempt("10.0.0.7", "dakkoi")          # no longer blocked


def test_only_admins_set_passwords(kho, people):
    for name in ("dakkoi", "vanphong"):
        with pytest.raises(PermissionDenied):
            account_admin.set_password(kho, people[name], people["quantri"].user_id, NEW)
    assert accounts.sign_in(kho, "quantri", OLD)[0].username == "quantri"
    assert _events(kho, "user.password") == []


def test_a_short_password_is_refused_naming_the_field(kho, people):
    with pytest.raises(ValidationError) as err:
        account_admin.set_password(kho, people["quantri"], people["dakkoi"].user_id, "ngan")
    assert err.value.field == "password" and "8" in err.value.message
    assert accounts.sign_in(kho, "dakkoi", OLD)[0].username == "dakkoi"


def test_a_password_for_an_unknown_user_is_not_found(kho, people):
    with pytest.raises(NotFound) as err:
        account_admin.set_password(kho, people["quantri"], 9999, NEW)
    assert err.value.field == "user"


def test_a_commune_account_moves_to_another_current_commune(kho, people):
    uid = people["dakkoi"].user_id
    info = account_admin.update_user(kho, people["quantri"], uid, commune="xa-kon-braih-2025")
    assert (info.commune_code, info.commune_name) == ("xa-kon-braih-2025", "Xã Kon Braih")
    by_gso = account_admin.update_user(kho, people["quantri"], uid, commune="23479")  # Đăk Rve, GSO code
    assert by_gso.commune_code == "xa-dak-rve-2025"
    assert accounts.actor_by_name(kho, "dakkoi").commune_id != people["dakkoi"].commune_id
    assert _events(kho, "user.update") == [
        "dakkoi: commune xa-dak-koi-2025->xa-kon-braih-2025",
        "dakkoi: commune xa-kon-braih-2025->xa-dak-rve-2025"]


def test_a_merged_commune_is_refused_naming_the_commune_field(kho, people):
    with pytest.raises(ValidationError) as err:
        account_admin.update_user(kho, people["quantri"], people["dakkoi"].user_id,
                          commune="xa-tan-lap")
    assert err.value.field == "commune"
    assert "Tân Lập" in err.value.message and "xa-kon-braih-2025" in err.value.message
    assert accounts.actor_by_name(kho, "dakkoi").commune_id == people["dakkoi"].commune_id


def test_a_commune_account_always_keeps_a_commune(kho, people):
    with pytest.raises(ValidationError) as err:
        account_admin.update_user(kho, people["quantri"], people["dakkoi"].user_id, commune="")
    assert err.value.field == "commune"
    with pytest.raises(ValidationError) as err:
        account_admin.update_user(kho, people["quantri"], people["vanphong"].user_id, role="commune")
    assert err.value.field == "role"
    moved = account_admin.update_user(kho, people["quantri"], people["vanphong"].user_id,
                              role="commune", commune="xa-dak-koi-2025")
    assert (moved.role, moved.commune_code) == ("commune", "xa-dak-koi-2025")


def test_an_account_of_a_merged_commune_can_still_be_disabled(kho, people):
    from archive.models import Unit, User

    with kho.transaction() as session:      # an account made before the 2025 merger
        user = session.get(User, people["dakkoi"].user_id)
        user.commune = session.scalar(select(Unit).where(Unit.code == "xa-dak-koi"))
    info = account_admin.update_user(kho, people["quantri"], people["dakkoi"].user_id,
                             role="commune", active=False, commune="xa-dak-koi")
    assert info.commune_code == "xa-dak-koi" and info.active is False


def test_an_id_no_database_can_hold_is_simply_not_found(kho, people):
    from app.services.processing import pipeline

    huge = 10 ** 20                      # a mistyped URL: overflowed the driver (HTTP 500)
    with pytest.raises(NotFound):
        account_admin.update_user(kho, people["quantri"], huge, active=False)
    with pytest.raises(NotFound):
        account_admin.set_password(kho, people["quantri"], huge, "mật khẩu mới 123")
    with pytest.raises(NotFound):
        account_admin.revoke_token(kho, people["quantri"], huge)
    with pytest.raises(NotFound) as err:
        pipeline.retry(kho, [huge])
    assert str(huge) in err.value.render(lambda s: s)


def test_admin_gives_an_office_account_a_unit_and_it_is_audited(kho, people):
    uid = people["vanphong"].user_id
    info = account_admin.update_user(kho, people["quantri"], uid, unit="xa-dak-koi-2025")
    assert (info.role, info.unit_code) == ("office", "xa-dak-koi-2025")
    assert accounts.actor_by_name(kho, "vanphong").unit_id is not None
    again = account_admin.update_user(kho, people["quantri"], uid,
                                      unit="so-vhttdl-quang-ngai-2025")
    assert again.unit_code == "so-vhttdl-quang-ngai-2025"
    with pytest.raises(ValidationError) as err:      # ended: refused, unit unchanged
        account_admin.update_user(kho, people["quantri"], uid, unit="phong-vhtt-kon-ray")
    assert err.value.field == "unit"
    cleared = account_admin.update_user(kho, people["quantri"], uid, unit="")
    assert cleared.unit_code is None                 # sees everything again
    assert _events(kho, "user.update") == [
        "vanphong: unit -->xa-dak-koi-2025",
        "vanphong: unit xa-dak-koi-2025->so-vhttdl-quang-ngai-2025",
        "vanphong: unit so-vhttdl-quang-ngai-2025->-"]


def test_the_users_page_offers_units_of_today_grouped_by_level(kho, people):
    groups = dict(account_admin.unit_choices(kho, people["quantri"]))
    assert [c for c, _n in groups["commune"]] == ["xa-dak-koi-2025", "xa-dak-rve-2025",
                                                   "xa-kon-braih-2025"]
    assert "so-vhttdl-quang-ngai-2025" in [c for c, _n in groups["province"]]
    assert "district-office" not in groups           # ended on 30/06/2025
    with pytest.raises(PermissionDenied):
        account_admin.unit_choices(kho, people["dakkoi"])


def test_an_account_edit_says_what_it_changed(kho, people):
    admin, uid = people["quantri"], people["vanphong"].user_id
    change = account_admin.change_user(kho, admin, uid, role="producer", active=False,
                                       unit="xa-dak-koi-2025")
    assert change.changed == ("role", "active", "unit")
    assert change.user.role == "producer" and change.user.unit_code == "xa-dak-koi-2025"
    same = account_admin.change_user(kho, admin, uid, role="producer", active=False,
                                     unit="xa-dak-koi-2025")
    assert same.changed == ()
    assert account_admin.update_user(kho, admin, uid, active=True).active   # as before


def test_a_disabled_account_is_told_so_only_with_its_right_password(kho, people):
    account_admin.update_user(kho, people["quantri"], people["vanphong"].user_id,
                              active=False)
    with pytest.raises(AuthenticationRequired) as wrong:
        accounts.sign_in(kho, "vanphong", "not-the-password")
    with pytest.raises(AuthenticationRequired) as unknown:
        accounts.sign_in(kho, "khong-co-ai", "not-the-password")
    assert wrong.value.message == unknown.value.message == "wrong user name or password"
    with pytest.raises(AuthenticationRequired) as disabled:
        accounts.sign_in(kho, "vanphong", OLD)
    assert disabled.value.message == accounts.ACCOUNT_DISABLED
    assert disabled.value.field == "username"
