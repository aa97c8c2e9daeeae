"""The application factory."""

from __future__ import annotations

import importlib
import logging
from pathlib import Path

from flask import Flask, g, request, session
from flask_login import current_user

from yuqing.config import default_instance_path, load_config
from yuqing.extensions import api, babel, csrf, db, limiter, login_manager, migrate

#: Domains whose ``routes`` module exposes a web blueprint ``bp``, registered in this order.
WEB_DOMAINS = (
    "web",
    "accounts",
    "tenancy",
    "policy",
    "incidents",
    "deadlines",
    "notifications",
    "reports",
    "audit",
)

#: Modules that expose flask-smorest blueprints in ``blueprints`` for ``/api/v1``.
API_MODULES = (
    "yuqing.api.meta",
    "yuqing.policy.api",
    "yuqing.signals.api",
    "yuqing.incidents.api",
    "yuqing.deadlines.api",
    "yuqing.notifications.api",
    "yuqing.reports.api",
    "yuqing.audit.api",
)

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def create_app(config_overrides: dict | None = None, instance_path: Path | None = None) -> Flask:
    instance_path = Path(instance_path or default_instance_path())
    app = Flask(__name__, instance_path=str(instance_path), instance_relative_config=False)
    app.config.update(load_config(instance_path, **(config_overrides or {})))
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # WeasyPrint and fontTools narrate every rendering step at INFO.
    for noisy in ("weasyprint", "weasyprint.progress", "fontTools"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    from yuqing.policy.registry import validate_installed_plugins

    # A broken policy plugin must stop start-up, not surface months later in an incident.
    validate_installed_plugins()

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    login_manager.init_app(app)
    from yuqing.accounts.models import load_user

    login_manager.user_loader(load_user)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "请先登录。"
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    api.init_app(app)
    _import_models()

    from yuqing.tenancy.context import register_request_context

    register_request_context(app)
    from yuqing.web.nav import register_template_helpers

    register_template_helpers(app)
    _register_blueprints(app)

    from yuqing.web.errors import register_error_handlers
    from yuqing.web.security import register_security_headers

    register_error_handlers(app)
    register_security_headers(app)
    return app


def _import_models() -> None:
    """Import every domain's models so metadata, relationships and migrations see all tables."""
    for domain in (
        "tenancy",
        "accounts",
        "audit",
        "signals",
        "incidents",
        "deadlines",
        "notifications",
        "reports",
    ):
        try:
            importlib.import_module(f"yuqing.{domain}.models")
        except ModuleNotFoundError as exc:
            if exc.name != f"yuqing.{domain}.models":
                raise


def _register_blueprints(app: Flask) -> None:
    for domain in WEB_DOMAINS:
        try:
            module = importlib.import_module(f"yuqing.{domain}.routes")
        except ModuleNotFoundError as exc:
            if exc.name != f"yuqing.{domain}.routes":
                raise
            continue
        app.register_blueprint(module.bp)
    for module_name in API_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        for blueprint in module.blueprints:
            api.register_blueprint(blueprint)
            # The API authenticates with bearer keys, never with the session cookie.
            csrf.exempt(blueprint)


def select_locale() -> str:
    chosen = request.args.get("lang") or session.get("lang")
    if chosen in ("en", "zh_Hans_CN"):
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale:
        return current_user.locale
    tenant = g.get("tenant")
    if tenant is not None and tenant.locale:
        return tenant.locale
    return "zh_Hans_CN"


def select_timezone() -> str:
    tenant = g.get("tenant")
    return tenant.timezone if tenant is not None else "Asia/Shanghai"
