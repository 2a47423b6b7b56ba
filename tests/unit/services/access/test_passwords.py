"""Password hashing at the production cost (the rest of the suite hashes at a lower
cost, see ``cheap_password_hashing`` in tests/conftest.py)."""
from __future__ import annotations

from app.services.access import passwords
from tests.conftest import PRODUCTION_SCRYPT_N, TEST_SCRYPT_N


def test_a_production_hash_names_its_cost_and_is_checked_with_it(monkeypatch):
    monkeypatch.setattr(passwords, "_N", PRODUCTION_SCRYPT_N)
    stored = passwords.hash_password("mật-khẩu-dài")
    scheme, n, r, p, salt, digest = stored.split("$")
    assert (scheme, int(n), int(r), int(p)) == ("scrypt", PRODUCTION_SCRYPT_N, 8, 1)
    assert len(bytes.fromhex(salt)) == 16 and len(bytes.fromhex(digest)) == 32
    monkeypatch.setattr(passwords, "_N", TEST_SCRYPT_N)      # whatever the current cost
    assert passwords.verify_password("mật-khẩu-dài", stored)
    assert not passwords.verify_password("mật-khẩu-sai", stored)
