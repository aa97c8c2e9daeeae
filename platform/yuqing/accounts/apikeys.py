"""Bearer API keys for ``/api/v1``: the key decides the tenant."""

from __future__ import annotations

import secrets

from flask import g, request

from yuqing.accounts.actor import Actor
from yuqing.accounts.models import ApiKey
from yuqing.db_types import utcnow
from yuqing.errors import NotAuthenticated
from yuqing.extensions import db
from yuqing.tenancy.models import Tenant
from yuqing.tenancy.scope import enter_request_scope, tenant_scope_disabled

KEY_PREFIX = "yq_"

#: Paths under /api/v1 that need no key (the OpenAPI document describes the API to anyone).
PUBLIC_API_PATHS = ("/api/v1/openapi.json",)


def new_raw_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def authenticate_api_request() -> None:
    """Resolve the bearer key, enter its tenant's scope and set ``g.actor``; raise 401 if not."""
    if request.path in PUBLIC_API_PATHS:
        return
    header = request.headers.get("Authorization", "")
    scheme, _, raw_key = header.partition(" ")
    if scheme.lower() != "bearer" or not raw_key.strip():
        raise NotAuthenticated("缺少 API 密钥。", "An API key is required.")
    with tenant_scope_disabled():
        key = db.session.execute(
            db.select(ApiKey).filter_by(key_digest=ApiKey.digest(raw_key.strip()))
        ).scalar_one_or_none()
        tenant = db.session.get(Tenant, key.tenant_id) if key is not None else None
        if key is None or key.is_revoked or tenant is None or not tenant.is_active:
            raise NotAuthenticated("API 密钥无效或已吊销。", "The API key is invalid or revoked.")
        key.last_used_at = utcnow()
        actor = Actor(
            tenant_id=tenant.id,
            roles=frozenset(key.roles),
            api_key_id=key.id,
            unit_id=key.unit_id,
            name=f"API:{key.name}",
        )
        db.session.commit()
    g.tenant = tenant
    g.api_key = key
    g.actor = actor
    enter_request_scope(tenant.id)
