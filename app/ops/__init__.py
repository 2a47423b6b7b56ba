"""The operations door: ``/metrics`` for Prometheus and one log line per request.

``register_ops(app)`` adds request timing (before every other hook's work is counted),
the request log line and metrics after each response, and the ``/metrics`` route.
``/metrics`` answers to an admin's API token, or without a token to the addresses
listed in ``metrics_allow`` (none by default: loopback is not special, since behind a
reverse proxy on the same machine every visitor comes from 127.0.0.1). The address is
the connection's, or the client's from ``X-Forwarded-For`` only when Kho was told to
trust that many proxies (``trusted_proxies``, applied by ProxyFix in ``create_app``); a
request that carries ``X-Forwarded-For`` while no proxy is trusted came through one
Kho does not know, and its address is not believed. Anyone else gets 404, so the
figures do not tell outsiders that the route exists.
"""
from __future__ import annotations

import time

from flask import Flask, Response, current_app, g, request

from app.logs import log_request, setup_logging

def _allowed_networks(setting: str) -> list:
    import ipaddress

    return [ipaddress.ip_network(part, strict=False)
            for part in setting.replace(",", " ").split()]


def _address_allowed(settings) -> bool:
    import ipaddress

    if not settings.metrics_allow:
        return False
    if "X-Forwarded-For" in request.headers and not settings.trusted_proxies:
        return False
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
        networks = _allowed_networks(settings.metrics_allow)
    except ValueError:
        return False
    return any(address in network for network in networks)


def register_ops(app: Flask) -> None:
    setup_logging(app.extensions["kho"].settings.log_format)
    app.before_request(_start_clock)
    app.after_request(_observe)
    app.add_url_rule("/metrics", "metrics", metrics_page)


def _start_clock() -> None:
    g.started = time.perf_counter()


def _route() -> str:
    return request.url_rule.rule if request.url_rule is not None else "unmatched"


def _user() -> str:
    actor = getattr(g, "api_actor", None) or getattr(g, "actor", None)
    return getattr(actor, "username", "") or "-"


def _observe(response: Response) -> Response:
    from app import metrics

    seconds = time.perf_counter() - getattr(g, "started", time.perf_counter())
    route = _route()
    if route != "/metrics":
        metrics.observe_request(route, request.method, response.status_code, seconds)
    log_request(request_id=getattr(g, "request_id", "-"), user=_user(),
                method=request.method, route=route, path=request.path,
                status=response.status_code, seconds=seconds)
    return response


def _allowed() -> bool:
    if _address_allowed(current_app.extensions["kho"].settings):
        return True
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("bearer "):
        return False
    from app.services.access import accounts
    from archive.errors import KhoError

    try:
        actor = accounts.actor_for_token(current_app.extensions["kho"], header[7:].strip())
    except KhoError:
        return False
    return actor.can("metrics.view")


def metrics_page() -> Response:
    """The Prometheus exposition text; 404 for callers that may not read it."""
    from app import metrics
    from app.services.instance import operations

    if not _allowed():
        return Response("Not Found\n", 404, mimetype="text/plain")
    kho = current_app.extensions["kho"]
    body, content_type = metrics.render(lambda: operations.figures(kho))
    return Response(body, 200, content_type=content_type)
