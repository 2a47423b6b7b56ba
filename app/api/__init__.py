"""The JSON API under ``/api/v1``, assembled: each resource module attaches its routes
to the one blueprint of :mod:`app.api.base`; importing them here is all this module
does. The OpenAPI document describing them is :mod:`app.api.openapi`.
"""
from __future__ import annotations

from app.api import (broadcasts, files, guard, health, products, search,  # noqa: F401
                     stats)  # (routes and checks attach to the blueprint)
from app.api.base import blueprint

__all__ = ["blueprint"]
