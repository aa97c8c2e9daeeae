"""Ingesting posts: one canonical URL is one signal; a repost or near-copy of an open
incident's story joins it; anything else opens a new incident. Operations flush; the caller
commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from yuqing.accounts.actor import Actor
from yuqing.db_types import utcnow
from yuqing.errors import Forbidden
from yuqing.extensions import db
from yuqing.incidents.grading import merge_max, validate_metrics
from yuqing.incidents.models import OPEN_STATES, Incident
from yuqing.incidents.operations import AUTHOR_VISIBLE_ROLES, new_incident, refresh_metrics
from yuqing.policy.operations import current_snapshot, tenant_plugin
from yuqing.signals.fingerprint import DUPLICATE_THRESHOLD, similarity, sketch, story_text
from yuqing.signals.models import Signal
from yuqing.signals.urls import canonicalize_url
from yuqing.tenancy.models import Tenant


@dataclass
class IngestResult:
    signal: Signal
    incident: Incident
    created: bool
    duplicate: bool
    updated: bool
    similarity: float | None = None

    def to_dict(self) -> dict:
        return {
            "signal_id": self.signal.id,
            "incident_id": self.incident.id,
            "created": self.created,
            "duplicate": self.duplicate,
            "updated": self.updated,
            "similarity": self.similarity,
        }


def _aware(value: datetime | None, tz: ZoneInfo) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=tz) if value.tzinfo is None else value


def check_may_create(actor: Actor, tenant: Tenant) -> None:
    plugin = tenant_plugin(tenant)
    allowed = plugin.allowed_roles("create", plugin.resolve_params(tenant.policy_params or {}))
    if not actor.roles & allowed:
        raise Forbidden(
            "您的角色无权登记舆情。", "Your role may not report posts.", action="create"
        )


def find_matching_incident(fingerprint: list[int]) -> tuple[Incident | None, float]:
    """The open incident whose story this text repeats, by estimated Jaccard similarity."""
    best, best_score = None, 0.0
    rows = db.session.execute(
        sa.select(Incident).where(Incident.state.in_(OPEN_STATES)).order_by(Incident.id)
    ).scalars()
    for incident in rows:
        score = similarity(fingerprint, incident.story_fingerprint)
        if score > best_score:
            best, best_score = incident, score
    if best_score >= DUPLICATE_THRESHOLD:
        return best, best_score
    return None, best_score


def ingest_signal(
    *,
    actor: Actor,
    url: str,
    platform: str,
    title: str = "",
    content: str = "",
    author: str | None = None,
    posted_at: datetime | None = None,
    discovered_at: datetime | None = None,
    occurred_at: datetime | None = None,
    metrics: dict | None = None,
    _checked: bool = False,
) -> IngestResult:
    tenant = db.session.get(Tenant, actor.tenant_id)
    if not _checked:
        check_may_create(actor, tenant)
    tz = ZoneInfo(tenant.timezone or "Asia/Shanghai")
    now = utcnow()
    metrics = validate_metrics(metrics)
    canonical = canonicalize_url(url)

    existing = db.session.execute(
        sa.select(Signal).where(Signal.canonical_url == canonical)
    ).scalar_one_or_none()
    if existing is not None:
        # The same post seen again: new metrics for it, not a new story.
        existing.metrics = merge_max(existing.metrics or {}, metrics)
        existing.updated_at = now
        db.session.flush()
        incident = existing.incident
        refresh_metrics(incident, actor=actor, observed=metrics, signal=existing, at=now)
        return IngestResult(existing, incident, created=False, duplicate=False, updated=True)

    fingerprint = sketch(story_text(title, content))
    signal = Signal(
        tenant_id=tenant.id,
        url=url,
        canonical_url=canonical,
        platform=platform,
        title=title or "",
        content=content or "",
        author_handle=author or None,
        posted_at=_aware(posted_at, tz),
        discovered_at=_aware(discovered_at, tz) or now,
        metrics=metrics,
        content_fingerprint=fingerprint,
        created_at=now,
        updated_at=now,
    )
    incident, score = find_matching_incident(fingerprint)
    if incident is not None:
        signal.incident = incident
        signal.is_duplicate = True
        incident.duplicate_count += 1
        db.session.add(signal)
        db.session.flush()
        refresh_metrics(incident, actor=actor, observed=metrics, signal=signal, at=now)
        return IngestResult(
            signal,
            incident,
            created=False,
            duplicate=True,
            updated=False,
            similarity=round(score, 3),
        )

    incident = new_incident(
        actor=actor,
        snapshot=current_snapshot(tenant),
        title=(title or content).strip()[:120] or canonical[:120],
        summary=(content or title)[:2000],
        metrics=merge_max(metrics),
        fingerprint=fingerprint,
        posted_at=signal.posted_at,
        discovered_at=signal.discovered_at,
        occurred_at=_aware(occurred_at, tz),
    )
    signal.incident = incident
    db.session.add(signal)
    db.session.flush()
    return IngestResult(signal, incident, created=True, duplicate=False, updated=False)


def ingest_batch(*, actor: Actor, items: list[dict]) -> list[IngestResult]:
    """Ingest each item in order (later items see earlier ones: reposts in one batch join)."""
    tenant = db.session.get(Tenant, actor.tenant_id)
    check_may_create(actor, tenant)
    return [ingest_signal(actor=actor, _checked=True, **item) for item in items]


def signal_data(signal: Signal, actor: Actor | None) -> dict:
    """A post for the API; the netizen's account name only for roles that need it (§9)."""
    show_author = actor is not None and actor.has_role(*AUTHOR_VISIBLE_ROLES)
    return {
        "id": signal.id,
        "url": signal.url,
        "canonical_url": signal.canonical_url,
        "platform": signal.platform,
        "title": signal.title,
        "content": signal.content,
        "author": signal.author_handle if show_author else None,
        "posted_at": signal.posted_at,
        "discovered_at": signal.discovered_at,
        "metrics": dict(signal.metrics or {}),
        "is_duplicate": signal.is_duplicate,
    }
