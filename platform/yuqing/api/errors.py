"""One JSON shape for every API error, with a Chinese and an English message.

``{"error": {"code": …, "message": <zh>, "message_en": <en>, "fields": {…}, "fields_en": {…}}}``
"""

from __future__ import annotations

from flask import jsonify
from werkzeug.exceptions import HTTPException

from yuqing.errors import DomainError

#: marshmallow's messages and their Chinese versions; anything else is passed through.
_MARSHMALLOW_ZH = {
    "Missing data for required field.": "此字段为必填项。",
    "Field may not be null.": "此字段不能为空。",
    "Not a valid integer.": "必须是整数。",
    "Not a valid number.": "必须是数字。",
    "Not a valid string.": "必须是字符串。",
    "Not a valid boolean.": "必须是布尔值（true 或 false）。",
    "Not a valid datetime.": "不是有效的日期时间（ISO 8601）。",
    "Not a valid date.": "不是有效的日期。",
    "Not a valid URL.": "不是有效的网址。",
    "Not a valid email address.": "不是有效的邮箱地址。",
    "Not a valid list.": "必须是列表。",
    "Not a valid mapping type.": "必须是对象。",
    "Invalid input type.": "输入类型无效。",
    "Unknown field.": "未知字段。",
    "Invalid value.": "值无效。",
    "Shorter than minimum length 1.": "不能为空。",
}

_STATUS_TEXT = {
    400: ("请求无效。", "Bad request.", "bad_request"),
    401: ("需要有效的 API 密钥。", "A valid API key is required.", "unauthorized"),
    403: ("无权执行此操作。", "You are not allowed to do this.", "forbidden"),
    404: ("资源不存在。", "Not found.", "not_found"),
    405: ("不支持该请求方法。", "Method not allowed.", "method_not_allowed"),
    409: ("当前状态不允许此操作。", "The current state does not allow this.", "conflict"),
    413: ("请求体过大。", "The request is too large.", "too_large"),
    415: ("请求须为 JSON。", "The request body must be JSON.", "unsupported_media_type"),
    422: (
        "输入有误，请检查各字段。",
        "The input is invalid; check the fields.",
        "validation_error",
    ),
    429: ("请求过于频繁，请稍后再试。", "Too many requests; try again later.", "rate_limited"),
    500: ("服务器内部错误。", "Internal server error.", "server_error"),
}


def translate_message(message: str) -> str:
    if message in _MARSHMALLOW_ZH:
        return _MARSHMALLOW_ZH[message]
    if message.startswith("Must be one of:"):
        return "必须是以下之一：" + message.removeprefix("Must be one of:").strip()
    if message.startswith("Longer than maximum length"):
        return "超过最大长度" + message.removeprefix("Longer than maximum length").strip()
    if message.startswith("Must be greater than or equal to"):
        return "必须大于或等于 " + message.removeprefix("Must be greater than or equal to").strip()
    return message


def _translate_fields(messages):
    if isinstance(messages, dict):
        return {key: _translate_fields(value) for key, value in messages.items()}
    if isinstance(messages, list):
        return [_translate_fields(value) for value in messages]
    if isinstance(messages, str):
        return translate_message(messages)
    return messages


def error_response(status: int, code: str, message_zh: str, message_en: str, **extra):
    body = {"code": code, "message": message_zh, "message_en": message_en, **extra}
    return jsonify({"error": body}), status


def domain_error_response(exc: DomainError):
    return jsonify({"error": exc.to_dict()}), exc.status


def http_error_response(exc: HTTPException):
    status = exc.code or 500
    message_zh, message_en, code = _STATUS_TEXT.get(
        status, (exc.name, exc.name, exc.name.lower().replace(" ", "_"))
    )
    extra = {}
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages")
    if messages:
        # webargs nests messages by location ("json", "query"); callers care about the fields.
        if isinstance(messages, dict) and set(messages) <= {"json", "query", "form", "files"}:
            merged: dict = {}
            for location_messages in messages.values():
                merged.update(location_messages if isinstance(location_messages, dict) else {})
            messages = merged
        extra["fields"] = _translate_fields(messages)
        extra["fields_en"] = messages
    return error_response(status, code, message_zh, message_en, **extra)
