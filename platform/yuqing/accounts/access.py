"""Access checks for web views."""

from __future__ import annotations

from functools import wraps

from flask import abort, g
from flask_login import current_user, login_required


def roles_required(*roles: str):
    """The view needs a tenant member holding at least one of ``roles``."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            actor = g.get("actor")
            if actor is None or not actor.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def member_required(view):
    """The view needs a member of the tenant in the URL (any role)."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if g.get("actor") is None:
            abort(404)
        return view(*args, **kwargs)

    return wrapped


def platform_admin_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_platform_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped
