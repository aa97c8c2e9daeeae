"""Errors that carry their own HTTP status and a message in Chinese and in English.

Operations raise these; the web shows the message in the user's language and the API answers
with one JSON shape for every error (see ``api/errors.py``).
"""

from __future__ import annotations


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message_zh: str, message_en: str, **details) -> None:
        super().__init__(message_en)
        self.message_zh = message_zh
        self.message_en = message_en
        self.details = details

    def to_dict(self) -> dict:
        body = {"code": self.code, "message": self.message_zh, "message_en": self.message_en}
        if self.details:
            body.update(self.details)
        return body


class NotAuthenticated(DomainError):
    status = 401
    code = "unauthorized"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class ValidationFailed(DomainError):
    """Input that fails its schema; ``fields`` maps each field to its messages."""

    status = 422
    code = "validation_error"

    def __init__(
        self,
        fields: dict,
        message_zh: str = "输入有误，请检查各字段。",
        message_en: str = "The input is invalid; check the fields.",
    ) -> None:
        super().__init__(message_zh, message_en, fields=fields)
