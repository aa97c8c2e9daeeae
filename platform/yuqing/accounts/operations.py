"""Operations on users, memberships and API keys. They flush; the caller commits."""

from __future__ import annotations

from datetime import timedelta

from yuqing.accounts.apikeys import new_raw_key
from yuqing.accounts.models import CANONICAL_ROLES, ApiKey, Membership, User
from yuqing.accounts.passwords import hash_password, verify_password
from yuqing.db_types import utcnow
from yuqing.errors import Conflict, NotFound, ValidationFailed
from yuqing.extensions import db
from yuqing.tenancy.models import Tenant, Unit

#: Failed sign-ins before an account is locked, and for how long.
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)


def allowed_roles(tenant: Tenant) -> tuple[str, ...]:
    """Roles a member of ``tenant`` may hold: its policy plugin's, or the canonical set."""
    if tenant.policy_key:
        from yuqing.policy import get_plugin

        try:
            return tuple(role.key for role in get_plugin(tenant.policy_key).roles)
        except Exception:  # an unknown plugin is reported by the policy pages, not here
            pass
    return CANONICAL_ROLES


def validate_roles(tenant: Tenant, roles: list[str]) -> list[str]:
    known = allowed_roles(tenant)
    unknown = [role for role in roles if role not in known]
    if unknown:
        raise ValidationFailed(
            {"roles": [f"未知角色：{'、'.join(unknown)}（可选：{'、'.join(known)}）"]},
        )
    if not roles:
        raise ValidationFailed({"roles": ["至少需要一个角色。"]})
    return list(dict.fromkeys(roles))


def find_user(email: str) -> User | None:
    return db.session.execute(
        db.select(User).filter_by(email=email.strip().lower())
    ).scalar_one_or_none()


def create_user(
    *, email: str, name: str, password: str | None, platform_admin: bool = False
) -> User:
    email = email.strip().lower()
    if find_user(email) is not None:
        raise Conflict("该邮箱已注册。", "A user with this e-mail already exists.")
    user = User(
        email=email,
        name=name.strip(),
        password_hash=hash_password(password) if password else None,
        is_platform_admin=platform_admin,
    )
    db.session.add(user)
    db.session.flush()
    return user


def set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    db.session.flush()


def unit_by_code(code: str | None) -> Unit | None:
    if not code:
        return None
    unit = db.session.execute(db.select(Unit).filter_by(code=code)).scalar_one_or_none()
    if unit is None:
        raise ValidationFailed({"unit": [f"单位代码 {code} 不存在。"]})
    return unit


def add_membership(
    *, tenant: Tenant, user: User, roles: list[str], unit: Unit | None
) -> Membership:
    """Add ``user`` to the tenant in scope, or update the roles and unit they already have."""
    roles = validate_roles(tenant, roles)
    membership = db.session.execute(
        db.select(Membership).filter_by(user_id=user.id)
    ).scalar_one_or_none()
    if membership is None:
        membership = Membership(tenant_id=tenant.id, user_id=user.id)
        db.session.add(membership)
    membership.roles = roles
    membership.unit_id = unit.id if unit else None
    db.session.flush()
    return membership


def remove_membership(membership: Membership) -> None:
    db.session.delete(membership)
    db.session.flush()


def authenticate(email: str, password: str) -> User | None:
    """The user if the password is right and the account is usable; ``None`` otherwise.

    Every failure looks the same to the caller so that the login page cannot be used to find
    out which e-mail addresses have accounts.
    """
    user = find_user(email)
    now = utcnow()
    if user is None:
        verify_password(None, password)
        return None
    if user.locked_until is not None and user.locked_until > now:
        verify_password(None, password)
        return None
    if not verify_password(user.password_hash, password) or not user.is_active_account:
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = now + LOCKOUT
            user.failed_logins = 0
        db.session.flush()
        return None
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    db.session.flush()
    return user


def create_api_key(
    *,
    tenant: Tenant,
    name: str,
    roles: list[str],
    created_by: User | None = None,
    unit: Unit | None = None,
) -> tuple[ApiKey, str]:
    """Create a key in the tenant in scope; the raw key is returned once and never stored."""
    roles = validate_roles(tenant, roles)
    if db.session.execute(db.select(ApiKey).filter_by(name=name)).scalar_one_or_none():
        raise Conflict("同名的 API 密钥已存在。", "An API key with this name already exists.")
    raw_key = new_raw_key()
    key = ApiKey(
        tenant_id=tenant.id,
        name=name,
        prefix=raw_key[:10],
        key_digest=ApiKey.digest(raw_key),
        roles=roles,
        created_by_id=created_by.id if created_by else None,
        unit_id=unit.id if unit else None,
    )
    db.session.add(key)
    db.session.flush()
    return key, raw_key


def revoke_api_key(*, name: str) -> ApiKey:
    key = db.session.execute(db.select(ApiKey).filter_by(name=name)).scalar_one_or_none()
    if key is None:
        raise NotFound("API 密钥不存在。", "No such API key.")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        db.session.flush()
    return key
