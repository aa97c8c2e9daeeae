"""The landing page and the tenant's home page."""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, url_for
from flask_login import current_user

from yuqing.accounts.access import member_required

bp = Blueprint("web", __name__)


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("accounts.choose_tenant"))
    return redirect(url_for("accounts.login"))


@bp.route("/healthz")
def healthz():
    return {"status": "ok"}


@bp.route("/t/<tenant_slug>/")
@member_required
def tenant_home():
    from yuqing.web.dashboard import dashboard_context

    return render_template("web/tenant_home.html", **dashboard_context(g.tenant, g.actor))
