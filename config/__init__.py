"""Kho configuration: :class:`Settings` and :func:`load_settings`."""
from config.settings import ConfigError, Settings, load_settings

__all__ = ["ConfigError", "Settings", "load_settings"]
