"""Query parameters of the document exports, shared by the API and the web pages.

Each schema loads into the plain ``params`` dict a document is built from and stored under,
so the same request gives the same ``params_key`` however it arrived.
"""

from __future__ import annotations

from datetime import date, timedelta

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

#: A period report longer than this is refused: it would be a different document (an annual
#: report covers a year), and it bounds the work a single request can cause.
MAX_PERIOD_DAYS = 366

PERIODS = ("week", "month", "quarter", "year")


class _ExportArgs(Schema):
    #: Show netizens' handles (auditors only, recorded in the audit chain); redacted otherwise.
    reveal_handles = fields.Boolean(load_default=False)


class IncidentDocumentArgs(_ExportArgs):
    pass


class DigestArgs(_ExportArgs):
    pass


class StatisticsArgs(_ExportArgs):
    period = fields.String(required=True, validate=validate.OneOf(PERIODS))
    #: Any day inside the period; today when left out.
    date = fields.Date(load_default=None)

    @post_load
    def _default_date(self, data, **kwargs):
        if data.get("date") is None:
            data["date"] = date.today()
        return data


class AccountabilityArgs(_ExportArgs):
    date_from = fields.Date(data_key="from", load_default=None)
    date_to = fields.Date(data_key="to", load_default=None)
    unit = fields.Integer(load_default=None, validate=validate.Range(min=1))
    person = fields.Integer(load_default=None, validate=validate.Range(min=1))
    incident = fields.Integer(load_default=None, validate=validate.Range(min=1))

    @validates_schema
    def _one_scope(self, data, **kwargs):
        if data.get("incident") is not None:
            return
        errors = {}
        if data.get("date_from") is None:
            errors["from"] = ["不指定事件时须给出起始日期。"]
        if data.get("date_to") is None:
            errors["to"] = ["不指定事件时须给出截止日期。"]
        if errors:
            raise ValidationError(errors)
        if data["date_to"] < data["date_from"]:
            raise ValidationError({"to": ["截止日期不能早于起始日期。"]})
        if data["date_to"] - data["date_from"] > timedelta(days=MAX_PERIOD_DAYS):
            raise ValidationError({"to": [f"期间不能超过 {MAX_PERIOD_DAYS} 天。"]})


def plain_params(params: dict) -> dict:
    """Loaded params as JSON values (dates as ISO strings), the form stored and hashed."""
    return {
        key: value.isoformat() if isinstance(value, date) else value
        for key, value in sorted(params.items())
    }
