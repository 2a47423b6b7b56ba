"""``kho init`` and ``kho check`` against the real engines, including their failures."""
from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import create_engine, inspect

from app.cli import main
from tests.s3server import unique_bucket_name


def _run(monkeypatch, tmp_path, env: dict[str, str], *args: str):
    for key in ("KHO_LANG", "KHO_DEFAULT_LOCALE", "KHO_DATABASE_URL", "KHO_STORAGE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("KHO_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("KHO_QUEUE_URL", "immediate")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return CliRunner().invoke(main, ["--lang", "en", *args], catch_exceptions=False)


def test_init_on_postgres_and_s3_then_check(monkeypatch, tmp_path, pg_url, s3_endpoint):
    from tests.s3server import new_s3_storage

    bucket = new_s3_storage(s3_endpoint).bucket
    env = {"KHO_DATABASE_URL": pg_url, "KHO_STORAGE": "s3", "KHO_S3_BUCKET": bucket,
           "KHO_S3_ENDPOINT_URL": s3_endpoint, "KHO_S3_ADDRESSING_STYLE": "path"}
    first = _run(monkeypatch, tmp_path, env, "init")
    assert first.exit_code == 0, first.output
    assert f"s3://{bucket}" in first.output
    again = _run(monkeypatch, tmp_path, env, "init")
    assert again.exit_code == 0 and "0 entries added" in again.output
    check = _run(monkeypatch, tmp_path, env, "check")
    assert check.exit_code == 0
    assert check.output.splitlines() == ["database: ok", "storage: ok", "index: ok", "queue: ok",
                                     "fixity: ok", "leftovers: none"]


def test_missing_bucket_stops_init_before_any_table_is_created(monkeypatch, tmp_path, pg_url,
                                                               s3_endpoint):
    missing = unique_bucket_name("absent")
    env = {"KHO_DATABASE_URL": pg_url, "KHO_STORAGE": "s3", "KHO_S3_BUCKET": missing,
           "KHO_S3_ENDPOINT_URL": s3_endpoint, "KHO_S3_ADDRESSING_STYLE": "path"}
    result = _run(monkeypatch, tmp_path, env, "init")
    assert result.exit_code == 1
    assert missing in result.stderr and len(result.stderr.strip().splitlines()) == 1
    engine = create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        assert inspect(engine).get_table_names() == []
    finally:
        engine.dispose()


def test_unreachable_redis_is_reported_by_check(monkeypatch, tmp_path, pg_url):
    env = {"KHO_DATABASE_URL": pg_url}
    assert _run(monkeypatch, tmp_path, env, "init").exit_code == 0
    env["KHO_QUEUE_URL"] = "redis://127.0.0.1:1/0"
    result = _run(monkeypatch, tmp_path, env, "check")
    assert result.exit_code == 1
    assert "queue:" in result.output and "127.0.0.1:1" in result.output
