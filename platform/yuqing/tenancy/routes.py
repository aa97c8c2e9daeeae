"""Administration pages: a tenant's units, members and API keys; the platform's tenants."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from yuqing.accounts.access import platform_admin_required, roles_required
from yuqing.accounts.forms import ApiKeyForm, MemberForm, TenantForm, UnitForm
from yuqing.accounts.models import ApiKey, Membership
from yuqing.accounts.operations import (
    add_membership,
    allowed_roles,
    create_api_key,
    create_user,
    find_user,
    remove_membership,
    revoke_api_key,
    unit_by_code,
)
from yuqing.errors import DomainError
from yuqing.extensions import db
from yuqing.tenancy.models import Tenant
from yuqing.tenancy.operations import create_tenant, list_units, save_unit
from yuqing.tenancy.scope import tenant_scope_disabled
from yuqing.web.feedback import flash_error
from yuqing.web.nav import register_nav

bp = Blueprint("tenancy", __name__)

ADMIN = ("tenant_admin",)
register_nav(_l("单位管理"), "tenancy.units", ADMIN, order=80)
register_nav(_l("成员管理"), "tenancy.members", ADMIN, order=81)
register_nav(_l("API 密钥"), "tenancy.api_keys", ADMIN, order=82)


def _flash_error(exc: DomainError) -> None:
    db.session.rollback()
    flash_error(exc)


@bp.route("/t/<tenant_slug>/admin/units", methods=["GET", "POST"])
@roles_required(*ADMIN)
def units():
    form = UnitForm()
    if form.validate_on_submit():
        try:
            save_unit(
                code=form.code.data.strip(),
                name=form.name.data.strip(),
                parent_code=(form.parent.data or "").strip() or None,
            )
            db.session.commit()
            flash(gettext("单位已保存。"), "success")
            return redirect(url_for("tenancy.units"))
        except DomainError as exc:
            _flash_error(exc)
    return render_template("tenancy/units.html", form=form, units=list_units())


@bp.route("/t/<tenant_slug>/admin/members", methods=["GET", "POST"])
@roles_required(*ADMIN)
def members():
    form = MemberForm()
    form.roles.choices = [(role, role) for role in allowed_roles(g.tenant)]
    if form.validate_on_submit():
        try:
            with tenant_scope_disabled():
                user = find_user(form.email.data) or create_user(
                    email=form.email.data, name=form.name.data, password=None
                )
            add_membership(
                tenant=g.tenant,
                user=user,
                roles=form.roles.data,
                unit=unit_by_code((form.unit.data or "").strip() or None),
            )
            db.session.commit()
            flash(gettext("成员已保存。新用户需由管理员设置密码后方可登录。"), "success")
            return redirect(url_for("tenancy.members"))
        except DomainError as exc:
            _flash_error(exc)
    rows = db.session.execute(db.select(Membership).order_by(Membership.id)).scalars().all()
    return render_template("tenancy/members.html", form=form, memberships=rows)


@bp.route("/t/<tenant_slug>/admin/members/<int:membership_id>/remove", methods=["POST"])
@roles_required(*ADMIN)
def remove_member(membership_id: int):
    membership = db.get_or_404(Membership, membership_id)
    if membership.user_id == current_user.id:
        flash(gettext("不能移除自己。"), "error")
    else:
        remove_membership(membership)
        db.session.commit()
        flash(gettext("成员已移除。"), "success")
    return redirect(url_for("tenancy.members"))


@bp.route("/t/<tenant_slug>/admin/apikeys", methods=["GET", "POST"])
@roles_required(*ADMIN)
def api_keys():
    form = ApiKeyForm()
    form.roles.choices = [(role, role) for role in allowed_roles(g.tenant)]
    new_key = None
    if form.validate_on_submit():
        try:
            _, new_key = create_api_key(
                tenant=g.tenant,
                name=form.name.data.strip(),
                roles=form.roles.data,
                created_by=current_user,
            )
            db.session.commit()
        except DomainError as exc:
            _flash_error(exc)
    keys = db.session.execute(db.select(ApiKey).order_by(ApiKey.created_at.desc())).scalars().all()
    return render_template("tenancy/api_keys.html", form=form, keys=keys, new_key=new_key)


@bp.route("/t/<tenant_slug>/admin/apikeys/<int:key_id>/revoke", methods=["POST"])
@roles_required(*ADMIN)
def revoke_key(key_id: int):
    key = db.get_or_404(ApiKey, key_id)
    revoke_api_key(name=key.name)
    db.session.commit()
    flash(gettext("已吊销 API 密钥 %(name)s。", name=key.name), "success")
    return redirect(url_for("tenancy.api_keys"))


@bp.route("/admin/tenants", methods=["GET", "POST"])
@platform_admin_required
def platform_tenants():
    form = TenantForm()
    with tenant_scope_disabled():
        if form.validate_on_submit():
            try:
                create_tenant(
                    slug=form.slug.data.strip(),
                    name=form.name.data.strip(),
                    kind=form.kind.data.strip(),
                    timezone=(form.timezone.data or "Asia/Shanghai").strip(),
                )
                db.session.commit()
                flash(gettext("租户已创建。"), "success")
                return redirect(url_for("tenancy.platform_tenants"))
            except DomainError as exc:
                _flash_error(exc)
        tenants = db.session.execute(db.select(Tenant).order_by(Tenant.slug)).scalars().all()
        return render_template(
            "tenancy/platform_tenants.html", form=form, tenants=tenants, next_url=request.path
        )
