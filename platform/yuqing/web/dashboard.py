"""What the tenant's home page shows to the signed-in person.

Each domain contributes panels through :func:`register_panel`, so the home page grows with the
platform without this module importing every domain.
"""

from __future__ import annotations

from collections.abc import Callable

_panels: list[tuple[str, Callable]] = []


def register_panel(name: str, build: Callable) -> None:
    """``build(tenant, actor) -> dict | None``; ``None`` hides the panel for this person."""
    if name not in [existing for existing, _ in _panels]:
        _panels.append((name, build))


def dashboard_context(tenant, actor) -> dict:
    panels = {}
    for name, build in _panels:
        data = build(tenant, actor)
        if data is not None:
            panels[name] = data
    return {"panels": panels}
