"""Health checks for a load balancer or systemd: /healthz (the process answers), /readyz (ready to serve)."""

from flask import Blueprint, jsonify

from market.services.health import readiness

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def show_liveness():
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def show_readiness():
    ready, report = readiness()
    return jsonify({"status": "ready" if ready else "not_ready", **report}), 200 if ready else 503
