"""Web forms (Flask-WTF: CSRF on every one)."""

from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional


class LoginForm(FlaskForm):
    email = StringField("邮箱", validators=[DataRequired("请输入邮箱。"), Length(max=254)])
    password = PasswordField("密码", validators=[DataRequired("请输入密码。")])


class MemberForm(FlaskForm):
    email = StringField("邮箱", validators=[DataRequired("请输入邮箱。"), Email("邮箱格式不正确。")])
    name = StringField("姓名", validators=[DataRequired("请输入姓名。"), Length(max=120)])
    roles = SelectMultipleField("角色", validators=[DataRequired("至少选择一个角色。")])
    unit = StringField("单位代码", validators=[Optional(), Length(max=64)])


class UnitForm(FlaskForm):
    code = StringField("单位代码", validators=[DataRequired("请输入单位代码。"), Length(max=64)])
    name = StringField("单位名称", validators=[DataRequired("请输入单位名称。"), Length(max=200)])
    parent = StringField("上级单位代码", validators=[Optional(), Length(max=64)])


class ApiKeyForm(FlaskForm):
    name = StringField("名称", validators=[DataRequired("请输入名称。"), Length(max=120)])
    roles = SelectMultipleField("角色", validators=[DataRequired("至少选择一个角色。")])


class TenantForm(FlaskForm):
    slug = StringField("标识", validators=[DataRequired("请输入标识。"), Length(max=64)])
    name = StringField("名称", validators=[DataRequired("请输入名称。"), Length(max=200)])
    kind = StringField("类型", validators=[DataRequired("请输入类型。"), Length(max=64)])
    timezone = StringField("时区", default="Asia/Shanghai", validators=[Optional()])
