"""``POST /api/v1/signals``: one post, or a batch ``{"items": [...]}`` of up to 500."""

from __future__ import annotations

from flask import g, jsonify, request
from flask_smorest import Blueprint
from marshmallow import ValidationError

from yuqing.api.schemas import document_errors, validation_failed
from yuqing.errors import ValidationFailed
from yuqing.extensions import db
from yuqing.signals.operations import ingest_batch, ingest_signal
from yuqing.signals.schemas import IngestBatchOut, IngestResultOut, SignalBatchIn, SignalIn

blp = Blueprint(
    "signals_api", __name__, url_prefix="/api/v1/signals", description="Ingest posts (signals)"
)
blueprints = [blp]

_BODY_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        {"$ref": "#/components/schemas/SignalIn"},
                        {"$ref": "#/components/schemas/SignalBatchIn"},
                    ]
                }
            }
        },
    }
}


@blp.record_once
def _register_body_schemas(state):
    """Name both bodies in the OpenAPI components so the ``oneOf`` above resolves."""
    from yuqing.extensions import api

    for name, schema in (
        ("SignalIn", SignalIn),
        ("SignalBatchIn", SignalBatchIn),
        ("IngestBatchOut", IngestBatchOut),
    ):
        if name not in api.spec.components.schemas:
            api.spec.components.schema(name, schema=schema)


def _load(schema, body):
    try:
        return schema.load(body)
    except ValidationError as exc:
        raise validation_failed(exc.messages) from exc


@blp.route("", methods=["POST"])
@blp.doc(**_BODY_DOC)
@blp.response(200, IngestResultOut)
@blp.doc(
    responses={
        "200": {
            "description": "one signal: its result; a batch: ``{items: [...]}``, one per item, in order",
            "content": {
                "application/json": {
                    "schema": {
                        "oneOf": [
                            {"$ref": "#/components/schemas/IngestResultOut"},
                            {"$ref": "#/components/schemas/IngestBatchOut"},
                        ]
                    }
                }
            },
        }
    }
)
@document_errors(blp, 403, 422)
def post_signals():
    """Ingest one post, or a batch of up to 500.

    The same canonical URL updates that signal's metrics; a near-duplicate of an open
    incident's story joins it (``duplicate``); anything else opens an incident (``created``).
    """
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationFailed({"_schema": ["请求体须为 JSON 对象。"]})
    if "items" in body:
        data = _load(SignalBatchIn(), body)
        results = ingest_batch(actor=g.actor, items=data["items"])
        db.session.commit()
        # A Response passes flask-smorest's single-signal response schema untouched.
        return jsonify(IngestBatchOut().dump({"items": [r.to_dict() for r in results]}))
    data = _load(SignalIn(), body)
    result = ingest_signal(actor=g.actor, **data)
    db.session.commit()
    return result.to_dict()
