"""Server-rendered pages (minimal until the web issue lands)."""
from __future__ import annotations

from flask import Flask, current_app, jsonify


def register_web(app: Flask) -> None:
    app.add_url_rule("/healthz", "healthz", healthz)
    app.add_url_rule("/", "index", index)


def healthz():
    from app.services import instance

    results = instance.health(current_app.extensions["kho"])
    ok = all(v == "ok" for v in results.values())
    return jsonify(status="ok" if ok else "degraded", checks=results), (200 if ok else 503)


def index():
    return ("<!doctype html><html lang=vi><meta charset=utf-8><title>Kho</title>"
            "<h1>Kho</h1><p>Kho lưu trữ sản phẩm truyền thông đang chạy.</p>")
