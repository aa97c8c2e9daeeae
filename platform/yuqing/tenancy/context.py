"""Entering the tenant scope for each request (ARCHITECTURE §2).

Web pages live under ``/t/<tenant_slug>/…``: the slug is taken out of the view arguments, the
signed-in user's membership is checked, and the scope is entered. ``/api/v1/…`` requests carry
an API key instead, and the key decides the tenant (see ``accounts/apikeys.py``).
"""

from __future__ import annotations

from flask import Flask, abort, g, redirect, request, session, url_for
from flask_login import current_user

from yuqing.accounts.actor import Actor
from yuqing.extensions import db
from yuqing.tenancy.scope import enter_request_scope, tenant_scope, tenant_scope_disabled

TENANT_ARG = "tenant_slug"


def register_request_context(app: Flask) -> None:
    @app.url_value_preprocessor
    def _pull_tenant_slug(endpoint, values):
        g.tenant_slug = values.pop(TENANT_ARG, None) if values else None

    @app.url_defaults
    def _add_tenant_slug(endpoint, values):
        tenant = g.get("tenant")
        if tenant is None or TENANT_ARG in values:
            return
        if app.url_map.is_endpoint_expecting(endpoint, TENANT_ARG):
            values[TENANT_ARG] = tenant.slug

    @app.before_request
    def _enter_scope():
        enter_request_scope(None)
        g.tenant = g.membership = g.actor = None
        if request.path.startswith("/api/"):
            from yuqing.accounts.apikeys import authenticate_api_request

            authenticate_api_request()
            return None
        slug = g.get("tenant_slug")
        if slug is None:
            return None
        return _enter_web_tenant(slug)

    @app.teardown_request
    def _leave_scope(exc):
        # Threads are reused between requests (and tests share theirs): never leak a scope.
        enter_request_scope(None)


def _enter_web_tenant(slug: str):
    from yuqing.accounts.models import Membership
    from yuqing.tenancy.models import Tenant

    tenant = db.session.execute(
        db.select(Tenant).filter_by(slug=slug, is_active=True)
    ).scalar_one_or_none()
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login", next=request.full_path))
    if tenant is None:
        abort(404)
    with tenant_scope(tenant.id):
        membership = db.session.execute(
            db.select(Membership).filter_by(user_id=current_user.id)
        ).scalar_one_or_none()
    # Not a member (a platform admin included): the tenant's pages do not exist for this user.
    if membership is None:
        abort(404)
    g.tenant = tenant
    g.membership = membership
    g.actor = Actor(
        tenant_id=tenant.id,
        roles=frozenset(membership.roles),
        user_id=current_user.id,
        unit_id=membership.unit_id,
        name=current_user.name,
    )
    enter_request_scope(tenant.id)
    _record_tenant_login(g.actor)
    return None


#: Session key listing the tenants entered since the last sign-in (reset by the login view).
ENTERED_TENANTS = "entered_tenants"


def _record_tenant_login(actor: Actor) -> None:
    """Write ``auth.login`` the first time a signed-in person enters a tenant (§6).

    Committed on its own, before the view runs: a sign-in stays on the record even if the
    page that follows fails.
    """
    entered = session.get(ENTERED_TENANTS, [])
    if actor.tenant_id in entered:
        return
    from yuqing.audit.operations import record_event

    record_event(
        "auth.login",
        actor=actor,
        subject=("user", actor.user_id),
        data={"remote_addr": request.remote_addr},
    )
    db.session.commit()
    session[ENTERED_TENANTS] = [*entered, actor.tenant_id]


def memberships_of(user_id: int):
    """Every tenant a user belongs to, for the tenant switcher (crosses tenants on purpose)."""
    from yuqing.accounts.models import Membership
    from yuqing.tenancy.models import Tenant

    with tenant_scope_disabled():
        rows = db.session.execute(
            db.select(Membership, Tenant)
            .join(Tenant, Tenant.id == Membership.tenant_id)
            .where(Membership.user_id == user_id, Tenant.is_active.is_(True))
            .order_by(Tenant.name)
        ).all()
    return [(tenant, membership.roles) for membership, tenant in rows]
