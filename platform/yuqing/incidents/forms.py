"""The manual report form (报送舆情): a monitor enters one post by hand.

WTForms gives the Chinese per-field messages and re-renders what was typed; the result is then
loaded through the API's own ``SignalIn`` schema, so the web and the API accept the same posts.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import URL, DataRequired, Length, NumberRange, Optional

from yuqing.policy.metrics import MEDIA_LEVELS
from yuqing.signals.models import CONTENT_MAX, TITLE_MAX, URL_MAX

#: Platforms offered as suggestions; any other name may be typed.
PLATFORM_SUGGESTIONS = (
    "微博",
    "微信公众号",
    "抖音",
    "快手",
    "今日头条",
    "百度贴吧",
    "本地论坛",
    "新闻网站",
    "领导留言板",
)

MEDIA_LEVEL_LABELS = {
    "none": _l("无媒体关注"),
    "local_site": _l("市内网站"),
    "city_major": _l("市内主要网站"),
    "provincial": _l("省内媒体"),
    "central": _l("中央级媒体"),
    "national_portal": _l("全国性门户网站"),
}

#: Metric inputs of the form, in display order: (field name, SignalIn metrics key).
COUNT_FIELDS = ("views", "comments", "reposts", "likes", "mainstream_sites")


def _count(label):
    return IntegerField(
        label, validators=[Optional(), NumberRange(min=0, message=_l("不能为负数。"))]
    )


class ReportForm(FlaskForm):
    url = URLField(
        _l("帖文链接"),
        validators=[
            DataRequired(_l("请填写帖文链接。")),
            URL(require_tld=False, message=_l("链接格式不正确（须以 http:// 或 https:// 开头）。")),
            Length(max=URL_MAX, message=_l("链接过长。")),
        ],
    )
    platform = StringField(
        _l("平台"),
        validators=[
            DataRequired(_l("请填写发布平台。")),
            Length(max=64, message=_l("平台名称过长。")),
        ],
    )
    title = StringField(
        _l("标题"),
        validators=[
            DataRequired(_l("请填写标题。")),
            Length(max=TITLE_MAX, message=_l("标题不能超过 %(max)d 个字。", max=TITLE_MAX)),
        ],
    )
    content = TextAreaField(
        _l("内容摘录"),
        validators=[
            Optional(),
            Length(max=CONTENT_MAX, message=_l("内容不能超过 %(max)d 个字。", max=CONTENT_MAX)),
        ],
    )
    author = StringField(
        _l("发帖账号（可选）"),
        validators=[
            Optional(),
            Length(max=200, message=_l("账号名称过长。")),
        ],
    )
    posted_at = DateTimeLocalField(_l("发帖时间"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    views = _count(_l("浏览量"))
    comments = _count(_l("评论数"))
    reposts = _count(_l("转发数"))
    likes = _count(_l("点赞数"))
    mainstream_sites = _count(_l("转载的主流网站数"))
    media_level = SelectField(
        _l("媒体关注级别"),
        choices=[SelectChoice(level, MEDIA_LEVEL_LABELS[level]) for level in MEDIA_LEVELS],
        default="none",
    )
    traditional_media = BooleanField(_l("传统媒体（电视、报刊）已介入"))
    report_now = BooleanField(_l("登记后立即报送领导小组办公室"), default=True)

    def signal_body(self) -> dict:
        """The post as the API's ``SignalIn`` schema takes it."""
        metrics: dict = {
            name: getattr(self, name).data
            for name in COUNT_FIELDS
            if getattr(self, name).data is not None
        }
        metrics["media_level"] = self.media_level.data or "none"
        if self.traditional_media.data:
            metrics["traditional_media"] = True
        body = {
            "url": self.url.data.strip(),
            "platform": self.platform.data.strip(),
            "title": self.title.data.strip(),
            "content": (self.content.data or "").strip(),
            "author": (self.author.data or "").strip() or None,
            "metrics": metrics,
        }
        if self.posted_at.data is not None:
            # Naive on purpose: ingestion reads it in the tenant's time zone.
            body["posted_at"] = self.posted_at.data.isoformat()
        return body

    def attach_errors(self, fields: dict) -> None:
        """Show schema or operation errors (``{"metrics": {"views": [...]}}``) at their inputs."""
        for name, messages in (fields or {}).items():
            if isinstance(messages, dict):
                self.attach_errors(messages)
                continue
            target = getattr(self, name, None) if name in self._fields else None
            if target is None:
                target = self.content if name == "_schema" else self.url
            messages = messages if isinstance(messages, list) else [messages]
            target.errors = [*list(target.errors or []), *map(str, messages)]
