"""Who is acting in the current request or job: a signed-in member, an API key, or the system."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import g, has_request_context


@dataclass(frozen=True)
class Actor:
    tenant_id: int
    roles: frozenset[str] = field(default_factory=frozenset)
    user_id: int | None = None
    api_key_id: int | None = None
    unit_id: int | None = None
    #: Display name recorded in the audit chain (a person's name, an API key's name, 「系统」).
    name: str = "系统"

    @property
    def is_system(self) -> bool:
        return self.user_id is None and self.api_key_id is None

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def label(self) -> str:
        if self.user_id is not None:
            return f"user:{self.user_id}"
        if self.api_key_id is not None:
            return f"apikey:{self.api_key_id}"
        return "system"


def system_actor(tenant_id: int) -> Actor:
    """The platform itself, acting in a job (timers, sweeper, automatic grade rises)."""
    return Actor(tenant_id=tenant_id, roles=frozenset(), name="系统")


def current_actor() -> Actor | None:
    if has_request_context():
        return g.get("actor")
    return None
