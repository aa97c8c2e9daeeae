"""Factories for tests: ``make.tenant()``, ``make.user()`` … (STYLE 7).

Each factory commits, so what it makes is visible to the web client and the API as well.
"""

from __future__ import annotations

import itertools

from yuqing.accounts.operations import add_membership, create_api_key, create_user
from yuqing.extensions import db
from yuqing.tenancy.operations import create_tenant, save_unit
from yuqing.tenancy.scope import tenant_scope, tenant_scope_disabled

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


class Factories:
    def tenant(self, slug: str | None = None, *, name: str | None = None,
               plugin: str | None = "township", params: dict | None = None, **kwargs):
        slug = slug or f"tenant-{next(_counter)}"
        with tenant_scope_disabled():
            tenant = create_tenant(slug=slug, name=name or f"测试单位{slug}", kind="township",
                                   **kwargs)
            if plugin:
                from yuqing.policy.operations import choose_policy

                choose_policy(tenant=tenant, key=plugin, params=params or {})
            db.session.commit()
        return tenant

    def unit(self, tenant, code: str = "U1", name: str = "综合办", parent: str | None = None):
        with tenant_scope(tenant.id):
            unit = save_unit(code=code, name=name, parent_code=parent)
            db.session.commit()
        return unit

    def user(self, tenant=None, *, email: str | None = None, name: str = "测试用户",
             roles=("monitor",), unit=None, password: str = PASSWORD, platform_admin=False):
        email = email or f"user{next(_counter)}@example.cn"
        with tenant_scope_disabled():
            from yuqing.accounts.operations import find_user

            user = find_user(email) or create_user(email=email, name=name, password=password,
                                                   platform_admin=platform_admin)
            db.session.commit()
        if tenant is not None:
            with tenant_scope(tenant.id):
                add_membership(tenant=tenant, user=user, roles=list(roles), unit=unit)
                db.session.commit()
        return user

    def api_key(self, tenant, roles=("office",), name: str | None = None) -> str:
        with tenant_scope(tenant.id):
            _, raw = create_api_key(tenant=tenant, name=name or f"key-{next(_counter)}",
                                    roles=list(roles))
            db.session.commit()
        return raw
