"""Configuration: defaults, instance file, environment, overrides, and clear errors."""
from __future__ import annotations

import pytest

from config import ConfigError, load_settings


def test_embedded_defaults_live_in_the_instance_folder(tmp_path):
    s = load_settings({"instance_path": str(tmp_path), "secret_key": "x"}, environ={})
    assert s.database == f"sqlite:///{tmp_path / 'kho.sqlite3'}"
    assert s.objects_dir == tmp_path / "objects"
    assert s.index_dir == tmp_path / "index"
    assert s.queue_file == tmp_path / "queue.sqlite3"
    assert s.storage == "local" and s.max_upload_bytes == 4 * 1024 ** 3


def test_precedence_file_then_environment_then_overrides(tmp_path):
    (tmp_path / "kho.toml").write_text(
        'secret_key = "from-file"\nport = 8100\nocr_languages = "vie+eng"\n', encoding="utf-8")
    env = {"KHO_PORT": "8200", "KHO_INSTANCE_PATH": str(tmp_path)}
    s = load_settings({"ocr_enabled": False}, environ=env)
    assert s.secret_key == "from-file"
    assert s.port == 8200                      # environment beats the file
    assert s.ocr_languages == "vie+eng"        # file beats defaults
    assert s.ocr_enabled is False              # overrides beat everything
    assert load_settings({"port": 9000}, environ=env).port == 9000


def test_unknown_key_in_the_instance_file_is_named(tmp_path):
    (tmp_path / "kho.toml").write_text('secret_key = "x"\nstorgae = "s3"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(environ={"KHO_INSTANCE_PATH": str(tmp_path)})
    assert err.value.field == "storgae"
    assert "kho.toml" in str(err.value)


def test_unknown_environment_key_is_named(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_settings({"instance_path": str(tmp_path), "secret_key": "x"},
                      environ={"KHO_DATABSE_URL": "postgresql://x"})
    assert err.value.field == "KHO_DATABSE_URL"


@pytest.mark.parametrize("key, value", [("port", "eighty"), ("storage", "ftp"),
                                        ("ocr_enabled", "maybe"), ("broadcast_channels", "3"),
                                        ("timezone", "Asia/Ha_Noi"), ("timezone", "../etc")])
def test_invalid_values_name_the_key(tmp_path, key, value):
    with pytest.raises(ConfigError) as err:
        load_settings({"instance_path": str(tmp_path), "secret_key": "x"},
                      environ={f"KHO_{key.upper()}": value})
    assert err.value.field == key
    assert value in str(err.value)


def test_production_requires_a_secret_and_s3_requires_a_bucket(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_settings({"instance_path": str(tmp_path)}, environ={})
    assert err.value.field == "secret_key"
    with pytest.raises(ConfigError) as err:
        load_settings({"instance_path": str(tmp_path), "secret_key": "x", "storage": "s3"},
                      environ={})
    assert err.value.field == "s3_bucket"


def test_switching_engines_is_configuration_only(tmp_path):
    env = {"KHO_DATABASE_URL": "postgresql://kho@db/kho", "KHO_STORAGE": "s3",
           "KHO_S3_BUCKET": "kho-archive", "KHO_S3_ENDPOINT_URL": "http://minio:9000",
           "KHO_S3_ADDRESSING_STYLE": "path", "KHO_QUEUE_URL": "redis://cache:6379/0",
           "KHO_SECRET_KEY": "s"}
    s = load_settings({"instance_path": str(tmp_path)}, environ=env)
    assert (s.database, s.storage, s.s3_bucket, s.queue_url) == (
        "postgresql://kho@db/kho", "s3", "kho-archive", "redis://cache:6379/0")


def test_the_command_line_language_variable_is_not_a_setting(tmp_path):
    env = {"KHO_LANG": "en", "KHO_INSTANCE_PATH": str(tmp_path), "KHO_SECRET_KEY": "x"}
    assert load_settings(environ=env).default_locale == "vi"
