"""The JSON API under ``/api/v1``, assembled: each resource module attaches its routes
to the one blueprint of :mod:`app.api.common`; importing them here is all this module
does. The OpenAPI document describing them is :mod:`app.api.openapi`.
"""
from __future__ import annotations

from app.api import (access_requests, activities, broadcasts, contributions, files, guard, health,  # noqa: F401
                     people, products, search, stats)  # (routes and checks attach to the blueprint)
from app.api.common import blueprint

__all__ = ["blueprint"]
