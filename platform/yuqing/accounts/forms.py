"""Web forms (Flask-WTF: CSRF on every one)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional


class LoginForm(FlaskForm):
    email = StringField(_l("邮箱"), validators=[DataRequired(_l("请输入邮箱。")), Length(max=254)])
    password = PasswordField(_l("密码"), validators=[DataRequired(_l("请输入密码。"))])


class MemberForm(FlaskForm):
    email = StringField(
        _l("邮箱"), validators=[DataRequired(_l("请输入邮箱。")), Email(_l("邮箱格式不正确。"))]
    )
    name = StringField(_l("姓名"), validators=[DataRequired(_l("请输入姓名。")), Length(max=120)])
    roles = SelectMultipleField(_l("角色"), validators=[DataRequired(_l("至少选择一个角色。"))])
    unit = StringField(_l("单位代码"), validators=[Optional(), Length(max=64)])


class UnitForm(FlaskForm):
    code = StringField(
        _l("单位代码"), validators=[DataRequired(_l("请输入单位代码。")), Length(max=64)]
    )
    name = StringField(
        _l("单位名称"), validators=[DataRequired(_l("请输入单位名称。")), Length(max=200)]
    )
    parent = StringField(_l("上级单位代码"), validators=[Optional(), Length(max=64)])


class ApiKeyForm(FlaskForm):
    name = StringField(_l("名称"), validators=[DataRequired(_l("请输入名称。")), Length(max=120)])
    roles = SelectMultipleField(_l("角色"), validators=[DataRequired(_l("至少选择一个角色。"))])


class TenantForm(FlaskForm):
    slug = StringField(_l("标识"), validators=[DataRequired(_l("请输入标识。")), Length(max=64)])
    name = StringField(_l("名称"), validators=[DataRequired(_l("请输入名称。")), Length(max=200)])
    kind = StringField(_l("类型"), validators=[DataRequired(_l("请输入类型。")), Length(max=64)])
    timezone = StringField(_l("时区"), default="Asia/Shanghai", validators=[Optional()])
