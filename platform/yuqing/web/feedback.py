"""One way to tell a person why their form was refused, in their language."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from flask import flash
from flask_babel import get_locale, gettext

from yuqing.api.errors import translate_message
from yuqing.errors import Conflict, DomainError


def is_english() -> bool:
    return str(get_locale()) == "en"


def localized_message(exc: DomainError) -> str:
    return exc.message_en if is_english() else exc.message_zh


def translated_fields(messages):
    """Field errors with marshmallow's English replaced by Chinese, keys as strings."""
    if isinstance(messages, dict):
        return {str(key): translated_fields(value) for key, value in messages.items()}
    if isinstance(messages, list | tuple):
        return [translated_fields(value) for value in messages]
    return translate_message(str(messages))


def _flatten(messages) -> list[str]:
    if isinstance(messages, dict):
        return [m for value in messages.values() for m in _flatten(value)]
    if isinstance(messages, list):
        return [m for value in messages for m in _flatten(value)]
    return [str(messages)]


def error_summary(
    exc: DomainError,
    *,
    field_labels: Mapping[str, str] | None = None,
    action_label: Callable[[str], str] | None = None,
) -> str:
    """The message, the actions a 409 still allows, and each field with what is wrong."""
    english = is_english()
    message = localized_message(exc)
    details = exc.details or {}
    if isinstance(exc, Conflict) and "allowed_actions" in details:
        label = action_label or (lambda action: action)
        names = (", " if english else "、").join(label(a) for a in details["allowed_actions"])
        message += " " + gettext(
            "当前状态下可执行的操作：%(names)s。", names=names or gettext("无")
        )
    colon, semicolon = (": ", "; ") if english else ("：", "；")
    labels = field_labels or {}
    lines = [
        f"{labels.get(name, name)}{colon}{semicolon.join(_flatten(messages))}"
        for name, messages in translated_fields(details.get("fields") or {}).items()
    ]
    return " ".join([message, *lines])


def flash_error(exc: DomainError, **labels) -> None:
    flash(error_summary(exc, **labels), "error")
