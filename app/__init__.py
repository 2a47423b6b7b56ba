"""Kho web application factory."""
from __future__ import annotations

from typing import Any, Mapping

from flask import Flask


def create_app(settings: Any = None, overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the Flask app from Settings (or the usual configuration sources).

    Nothing is connected here; the runtime opens engines and storage on first use.
    """
    from app.bootstrap import Kho
    from app.web import register_web
    from config import load_settings

    settings = settings or load_settings(overrides)
    app = Flask(__name__)
    app.config.update(SECRET_KEY=settings.secret_key or "testing-only",
                      MAX_CONTENT_LENGTH=None, TESTING=settings.testing)
    app.extensions["kho"] = Kho(settings)
    register_web(app)
    return app
