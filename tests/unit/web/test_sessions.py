"""Signing out ends a session for good; disabling an account ends all of its sessions;
parallel wrong passwords never get more tries than the limit; an unknown user name
costs the same password check as a known one."""
from __future__ import annotations

import threading

from tests.unit.web.conftest import PASSWORD, Browser


def _cookie(browser: Browser) -> str:
    cookie = browser.client.get_cookie("kho_session")
    assert cookie is not None
    return cookie.value


def _replay(app, value: str) -> Browser:
    other = Browser(app.test_client())
    other.client.set_cookie("kho_session", value)
    return other


def test_a_cookie_copied_before_sign_out_is_refused_after_it(app, browser, users):
    browser.login(users["producer"])
    copied = _cookie(browser)
    assert _replay(app, copied).get("/search").status_code == 200   # the copy works...
    browser.post("/logout", token_from="/search")
    response = _replay(app, copied).get("/search")                  # ...until sign-out
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_signing_out_on_one_device_keeps_the_other_signed_in(app, users):
    phone, desk = Browser(app.test_client()), Browser(app.test_client())
    phone.login(users["commune"])
    desk.login(users["commune"])
    phone.post("/logout", token_from="/search")
    assert phone.get("/search").status_code == 302
    assert desk.get("/search").status_code == 200


def test_disabling_an_account_ends_its_sessions_even_if_enabled_again(app, browser, users,
                                                                     actors):
    from app.services.access.account_admin import update_user

    kho = app.extensions["kho"]
    browser.login(users["office"])
    copied = _cookie(browser)
    update_user(kho, actors["admin"], actors["office"].user_id, active=False)
    update_user(kho, actors["admin"], actors["office"].user_id, active=True)
    assert _replay(app, copied).get("/search").status_code == 302
    assert browser.login(users["office"]).status_code == 302   # signing in again works


def test_parallel_wrong_passwords_get_no_more_tries_than_the_limit(kho):
    from app.services.access.sign_in_limit import LoginRateLimiter, TooManyAttempts

    limiter = LoginRateLimiter(kho, 10)
    allowed, refused, start = [], [], threading.Barrier(40)

    def attempt() -> None:
        start.wait()
        try:
            limiter.attempt("10.0.0.9", "thuha")
        except TooManyAttempts:
            refused.append(1)
        else:
            allowed.append(1)

    threads = [threading.Thread(target=attempt) for _ in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # at most the limit; under a flood even fewer (a refused try takes its row back)
    assert len(allowed) <= 10 and len(allowed) + len(refused) == 40
    try:
        limiter.attempt("10.0.0.9", "thuha")
    except TooManyAttempts:
        pass
    else:
        assert len(allowed) < 10, "an 11th try got through"


def test_an_unknown_user_name_costs_one_password_check_like_a_known_one(kho, monkeypatch):
    from app.services.access import accounts
    from archive.errors import AuthenticationRequired

    accounts.add_user(kho, "thuha", "producer", PASSWORD)
    checked = []
    real = accounts.verify_password
    monkeypatch.setattr(accounts, "verify_password",
                        lambda password, stored: checked.append(stored) or real(password, stored))
    for name in ("thuha", "nobody-here"):
        try:
            accounts.sign_in(kho, name, "wrong-password")
        except AuthenticationRequired as exc:
            assert exc.field == "password"
    assert len(checked) == 2 and all(h.startswith("scrypt$") for h in checked)


def test_sessions_idle_for_a_month_are_over_and_forgotten(kho):
    from datetime import timedelta

    from sqlalchemy import func, select, update

    from app.services.access import accounts
    from app.services.access.browser_sessions import IDLE_DAYS, actor_for_session, open_session
    from app.services.access.passwords import session_stamp
    from archive.base import utcnow
    from archive.models import BrowserSession, User

    accounts.add_user(kho, "thuha", "producer", PASSWORD)
    with kho.transaction() as s:
        user = s.scalar(select(User).where(User.username == "thuha"))
        uid, stamp = user.id, session_stamp(user.password_hash)
    old = open_session(kho, uid)
    with kho.transaction() as s:
        s.execute(update(BrowserSession).values(
            last_seen_at=utcnow() - timedelta(days=IDLE_DAYS + 1)))
    assert actor_for_session(kho, uid, stamp, old) is None
    fresh = open_session(kho, uid)
    assert actor_for_session(kho, uid, stamp, fresh).username == "thuha"
    with kho.transaction() as s:
        assert s.scalar(select(func.count(BrowserSession.id))) == 1
