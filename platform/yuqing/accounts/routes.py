"""Sign-in, sign-out, the tenant switcher and the language choice."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user, login_required, login_user, logout_user

from yuqing.accounts.forms import LoginForm
from yuqing.accounts.operations import authenticate
from yuqing.extensions import db, limiter
from yuqing.tenancy.context import memberships_of

bp = Blueprint("accounts", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    # Only paths on this site: an open redirect would hand a phishing page our login.
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        db.session.commit()
        if user is not None:
            login_user(user)
            session.permanent = True
            # Each sign-in is audited again in every tenant the person enters.
            session.pop("entered_tenants", None)
            return redirect(
                _safe_next(request.args.get("next")) or url_for("accounts.choose_tenant")
            )
        # One message for every failure: it must not tell which accounts exist.
        flash(gettext("邮箱或密码不正确，或账户已被暂时锁定，请稍后再试。"), "error")
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    return redirect(url_for("accounts.login"))


@bp.route("/tenants")
@login_required
def choose_tenant():
    tenants = memberships_of(current_user.id)
    if len(tenants) == 1 and not current_user.is_platform_admin:
        return redirect(url_for("web.tenant_home", tenant_slug=tenants[0][0].slug))
    return render_template("accounts/choose_tenant.html", tenants=tenants)


@bp.route("/lang/<code>", methods=["POST"])
def set_language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(_safe_next(request.form.get("next")) or url_for("web.index"))
