"""Schemas shared by every API module: the one error shape, and pagination."""

from __future__ import annotations

from flask import g
from marshmallow import Schema, fields, validate

from yuqing.errors import Forbidden, ValidationFailed


class ApiErrorBodySchema(Schema):
    code = fields.String(required=True, metadata={"description": "machine-readable error code"})
    message = fields.String(required=True, metadata={"description": "message in Chinese"})
    message_en = fields.String(required=True, metadata={"description": "message in English"})
    # ``fields`` would shadow marshmallow's module inside the class body.
    field_errors = fields.Dict(
        data_key="fields",
        metadata={"description": "field → messages (Chinese), for validation errors"},
    )
    fields_en = fields.Dict(metadata={"description": "field → messages (English)"})
    state = fields.String(metadata={"description": "current state, for 409 on an action"})
    allowed_actions = fields.List(
        fields.String(), metadata={"description": "actions the current state allows (409)"}
    )
    missing_roles = fields.List(
        fields.String(), metadata={"description": "approvals still required (publish 403)"}
    )


class ApiErrorSchema(Schema):
    """The one error shape of every API answer (``api/errors.py``)."""

    error = fields.Nested(ApiErrorBodySchema, required=True)


_ERROR_TEXT = {
    400: "请求无效 (bad request)",
    401: "缺少或无效的 API 密钥 (missing or invalid API key)",
    403: "角色无权执行此操作 (the role may not do this)",
    404: "资源不存在或属于其他租户 (not found)",
    409: "当前状态不允许此操作 (the state does not allow this)",
    422: "输入有误，见 fields (invalid input, see fields)",
}


def document_errors(blp, *statuses: int):
    """Decorator: document each error status with the shared :class:`ApiErrorSchema`."""

    def decorator(func):
        for status in (401, *statuses):
            func = blp.alt_response(status, schema=ApiErrorSchema, description=_ERROR_TEXT[status])(
                func
            )
        return func

    return decorator


class PageArgsSchema(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


def require_roles(*roles: str) -> None:
    """Refuse the API request unless the calling key holds one of ``roles``."""
    actor = g.get("actor")
    if actor is None or not actor.has_role(*roles):
        raise Forbidden("无权访问此接口。", "The API key's roles may not use this endpoint.")


def validation_failed(messages: dict) -> ValidationFailed:
    """marshmallow's messages as a 422 in the API's shape: Chinese ``fields``, English
    ``fields_en`` — the same as flask-smorest's own 422 after ``api/errors.py``."""
    from yuqing.api.errors import _translate_fields

    error = ValidationFailed(_translate_fields(messages))
    error.details["fields_en"] = messages
    return error
