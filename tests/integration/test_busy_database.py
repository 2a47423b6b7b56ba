"""A deadlock PostgreSQL breaks is told as "busy, try again", not as a database that is
down: the reader's change was refused, the database is fine."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError


def _deadlock(pg_url: str) -> OperationalError:
    """Two transactions locking two rows in opposite order: PostgreSQL breaks one."""
    engine = create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as c:
        c.execute(text("CREATE TABLE pair (id int primary key, n int)"))
        c.execute(text("INSERT INTO pair VALUES (1, 0), (2, 0)"))
    both_hold_one = threading.Barrier(2)
    failures: list[OperationalError] = []

    def writer(first: int, second: int) -> None:
        try:
            with engine.begin() as c:
                c.execute(text("UPDATE pair SET n = n + 1 WHERE id = :i"), {"i": first})
                both_hold_one.wait()
                c.execute(text("UPDATE pair SET n = n + 1 WHERE id = :i"), {"i": second})
        except OperationalError as exc:
            failures.append(exc)

    threads = [threading.Thread(target=writer, args=order) for order in ((1, 2), (2, 1))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    engine.dispose()
    assert len(failures) == 1
    return failures[0]


def test_a_deadlock_is_busy_try_again_not_database_down(pg_url):
    from app.errors import outage
    from app.i18n import gettext_for

    told = outage(_deadlock(pg_url))
    assert told is not None and told.field == "database"
    assert "busy" in str(told) and "not reachable" not in str(told)
    assert "đang bận" in told.render(gettext_for("vi"))


def test_a_database_that_is_down_is_still_said_to_be_down():
    from app.errors import outage

    engine = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none",
                           connect_args={"connect_timeout": 2})
    with pytest.raises(OperationalError) as down:
        engine.connect()
    assert "not reachable" in str(outage(down.value))
