"""Password and token hashing with the standard library only.

Passwords: scrypt (n=2**14, r=8, p=1, 16-byte salt), stored as
``scrypt$n$r$p$salt_hex$hash_hex``. API tokens are 256-bit random strings, so a plain
SHA-256 of the token is enough to store them safely and find them by hash.

A signed-in browser session keeps a short stamp of the password hash
(:func:`session_stamp`); a new password (new salt, new hash) changes the stamp, so
sessions opened with the old password stop working.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

_N, _R, _P = 2 ** 14, 8, 1
MIN_PASSWORD_LENGTH = 8


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` matches; False for any malformed or empty hash."""
    try:
        scheme, n, r, p, salt_hex, digest_hex = stored.split("$")
        if scheme != "scrypt":
            return False
        digest = hashlib.scrypt(password.encode("utf-8"), salt=bytes.fromhex(salt_hex),
                                n=int(n), r=int(r), p=int(p), dklen=len(digest_hex) // 2)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest.hex(), digest_hex)


def session_stamp(stored: str) -> str:
    """A short fingerprint of a stored password hash, kept in the browser session.

    It changes whenever the password is set again (a new random salt each time). The
    session cookie is signed but readable; without the salt, which never leaves the
    database, the stamp tells nothing about the password.
    """
    return hashlib.sha256(b"kho-session:" + stored.encode("utf-8")).hexdigest()[:16]


def new_token() -> str:
    """A new API token: ``kho_`` + 43 URL-safe characters (256 bits)."""
    return "kho_" + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
