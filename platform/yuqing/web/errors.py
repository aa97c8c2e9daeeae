"""Error pages for people and JSON errors for the API, chosen by the request path."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from yuqing.api.errors import domain_error_response, http_error_response
from yuqing.errors import DomainError
from yuqing.extensions import db
from yuqing.tenancy.scope import TenantScopeError

log = logging.getLogger(__name__)


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain_error(exc: DomainError):
        db.session.rollback()
        if _wants_json():
            return domain_error_response(exc)
        return render_template("errors/error.html", status=exc.status, error=exc), exc.status

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if _wants_json():
            return http_error_response(exc)
        status = exc.code or 500
        template = f"errors/{status}.html" if status in (403, 404, 500) else "errors/error.html"
        return render_template(template, status=status, error=None), status

    @app.errorhandler(TenantScopeError)
    def _scope_error(exc: TenantScopeError):
        # A forgotten scope is a bug; answer 500 without leaking anything about other tenants.
        log.error("tenant scope violation: %s", exc)
        db.session.rollback()
        return _http_error(InternalServerError())
