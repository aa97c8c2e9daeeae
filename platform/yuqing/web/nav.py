"""The tenant navigation bar; each domain adds its entries with :func:`register_nav`."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, g, request, url_for
from flask_babel import LazyString, get_locale, gettext
from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class NavEntry:
    label: str | LazyString
    endpoint: str
    roles: tuple[str, ...] | None
    order: int


_entries: dict[str, NavEntry] = {}


def register_nav(
    label: str | LazyString, endpoint: str, roles: tuple[str, ...] | None = None, order: int = 50
) -> None:
    """Show ``label`` to members holding one of ``roles`` (``None``: all).

    Pass ``lazy_gettext("…")`` so the label is extracted for translation; a plain Chinese
    msgid is still looked up in the catalog when the bar is drawn.
    """
    _entries[endpoint] = NavEntry(label, endpoint, roles, order)


def tenant_nav() -> list[dict]:
    actor = g.get("actor")
    if actor is None:
        return []
    items = []
    for entry in sorted(_entries.values(), key=lambda e: e.order):
        if entry.roles is not None and not actor.has_role(*entry.roles):
            continue
        url = url_for(entry.endpoint)
        label = gettext(entry.label) if isinstance(entry.label, str) else str(entry.label)
        items.append({"label": label, "url": url, "active": request.path == url})
    return items


def role_label(role: str) -> str:
    tenant = g.get("tenant")
    if tenant is not None and tenant.policy_key:
        from yuqing.policy import get_plugin

        try:
            plugin = get_plugin(tenant.policy_key)
            if str(get_locale()) == "en":
                # The plan's own wording is Chinese; its English name is the role's label_en.
                for declared in plugin.roles:
                    if declared.key == role and declared.label_en:
                        return declared.label_en
            return plugin.role_label(role)
        except Exception:  # a label is cosmetic; never fail a page over it
            return role
    return role


def register_template_helpers(app: Flask) -> None:
    @app.context_processor
    def _helpers():
        return {"tenant_nav": tenant_nav, "role_label": role_label, "get_locale": get_locale}


register_nav(_l("首页"), "web.tenant_home", order=0)
