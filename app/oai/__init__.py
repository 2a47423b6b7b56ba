"""The OAI-PMH door: ``/oai``, the public harvesting interface (no sign-in; only
harvestable products are disseminated: public, not embargoed, consents allowing the
website). Only builds and registers the blueprint."""
from __future__ import annotations

from flask import Flask


def register_oai(app: Flask, csrf) -> None:
    """Attach ``GET``/``POST /oai``; harvesters POST forms without a CSRF token."""
    from app.oai.routes import bp

    csrf.exempt(bp)
    app.register_blueprint(bp)
