"""Users, roles, passwords and API tokens through the service layer."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.services.access import accounts
from archive.errors import AuthenticationRequired, Conflict, NotFound, ValidationError
from archive.models import ApiToken, User


def test_add_user_hashes_the_password_and_signs_in(kho):
    info = accounts.add_user(kho, "ThuHa", "producer", "mật-khẩu-dài", display_name="Thu Hà")
    assert info.username == "thuha" and info.role == "producer"
    with kho.transaction() as session:
        stored = session.scalar(select(User).where(User.username == "thuha")).password_hash
    assert "mật-khẩu-dài" not in stored and stored.startswith("scrypt$")
    actor, _stamp = accounts.sign_in(kho, "thuha", "mật-khẩu-dài")
    assert actor.role == "producer" and actor.can("file.upload")
    with pytest.raises(AuthenticationRequired):
        accounts.sign_in(kho, "thuha", "wrong-password")


def test_commune_account_is_tied_to_a_current_commune(kho):
    info = accounts.add_user(kho, "dakrve", "commune", "12345678", commune="xa-dak-rve-2025")
    assert info.commune_name == "Xã Đăk Rve"
    by_gso = accounts.add_user(kho, "konbraih", "commune", "12345678", commune="23497")
    assert by_gso.commune_code == "xa-kon-braih-2025"
    actor, _stamp = accounts.sign_in(kho, "dakrve", "12345678")
    assert not actor.can("file.upload") and actor.can("broadcast.log")


def test_merged_commune_is_refused_with_its_successor_named(kho):
    with pytest.raises(ValidationError) as err:
        accounts.add_user(kho, "tanlap", "commune", "12345678", commune="xa-tan-lap")
    assert err.value.field == "commune"
    assert "xa-kon-braih-2025" in err.value.message


@pytest.mark.parametrize("name, role, commune, password, field", [
    ("an", "editor", None, "12345678", "role"),
    ("an", "commune", None, "12345678", "commune"),
    ("an", "commune", "99999", "12345678", "commune"),
    ("an", "producer", None, "short", "password"),
    ("a b", "producer", None, "12345678", "username"),
])
def test_bad_input_names_the_field_and_writes_nothing(kho, name, role, commune, password, field):
    with pytest.raises(ValidationError) as err:
        accounts.add_user(kho, name, role, password, commune=commune)
    assert err.value.field == field
    assert accounts.list_users(kho) == []


def test_duplicate_user_is_a_conflict(kho):
    accounts.add_user(kho, "lan", "office", "12345678")
    with pytest.raises(Conflict) as err:
        accounts.add_user(kho, "Lan", "admin", "12345678")
    assert "lan" in err.value.message
    assert [u.role for u in accounts.list_users(kho)] == ["office"]


def test_api_token_is_shown_once_and_stored_hashed(kho):
    accounts.add_user(kho, "api", "producer", "12345678")
    token = accounts.create_token(kho, "api")
    assert token.startswith("kho_") and len(token) > 40
    with kho.transaction() as session:
        row = session.scalar(select(ApiToken))
        assert row.token_hash != token and token not in row.token_hash
    assert accounts.actor_for_token(kho, token).username == "api"
    with pytest.raises(AuthenticationRequired):
        accounts.actor_for_token(kho, token + "x")
    with pytest.raises(NotFound):
        accounts.create_token(kho, "nobody")


def test_an_office_account_belongs_to_a_unit_that_exists_today(kho):
    info = accounts.add_user(kho, "vhxh.dakkoi", "office", "12345678", unit="xa-dak-koi-2025")
    assert (info.unit_code, info.unit_name, info.commune_code) == (
        "xa-dak-koi-2025", "Xã Đăk Kôi", None)       # an office, not commune radio staff
    actor, _stamp = accounts.sign_in(kho, "vhxh.dakkoi", "12345678")
    assert actor.unit_id is not None and actor.commune_id is None
    department = accounts.add_user(kho, "so.vhttdl", "office", "12345678",
                                   unit="so-vhttdl-quang-ngai-2025")
    assert department.unit_level == "province"
    assert accounts.add_user(kho, "vanphong", "office", "12345678").unit_code is None


@pytest.mark.parametrize(("code", "words"), [
    ("khong-co", ["khong-co"]),
    ("phong-vhtt-kon-ray", ["phong-vhtt-kon-ray", "30/06/2025", "exists today"]),
    ("xa-tan-lap", ["xa-tan-lap", "xa-kon-braih-2025", "Xã Kon Braih"]),
])
def test_an_unknown_or_ended_unit_is_refused_naming_the_code(kho, code, words):
    with pytest.raises(ValidationError) as err:
        accounts.add_user(kho, "ai.do", "office", "12345678", unit=code)
    assert err.value.field == "unit"
    assert all(w in err.value.message for w in words), err.value.message


def test_a_commune_account_belongs_to_a_commune_not_an_office(kho):
    with pytest.raises(ValidationError) as err:
        accounts.add_user(kho, "dai.xa", "commune", "12345678", unit="so-vhttdl-quang-ngai-2025")
    assert err.value.field == "unit" and "Sở Văn hóa" in err.value.message
    info = accounts.add_user(kho, "dai.xa", "commune", "12345678", unit="xa-dak-rve-2025")
    assert info.commune_code == info.unit_code == "xa-dak-rve-2025"


def test_forty_parallel_creations_of_one_login_make_one_account_and_39_conflicts(kho):
    """An admin double-clicking, or a script run twice: every request is answered, one
    account is made, the rest are told the name is taken (never an internal error)."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from app.services.access.account_admin import add_user
    from app.services.access.actors import SYSTEM

    start = Barrier(40)

    def create(_: int) -> str:
        start.wait()
        try:
            add_user(kho, SYSTEM, "can-bo-xa", "office", "mat-khau-du-dai-1")
            return "made"
        except Conflict as refused:
            assert refused.field == "username"
            return "taken"

    with ThreadPoolExecutor(40) as pool:
        answers = list(pool.map(create, range(40)))
    assert sorted(set(answers)) == ["made", "taken"] and answers.count("made") == 1
    with kho.transaction() as s:
        assert s.scalars(select(User).where(User.username == "can-bo-xa")).all() != []
        assert len(s.scalars(select(User).where(User.username == "can-bo-xa")).all()) == 1
