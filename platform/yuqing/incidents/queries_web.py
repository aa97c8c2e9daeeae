"""Read-side additions the web pages need beyond ``queries.py``.

``queries.list_incidents`` orders by creation only; the incident list lets a person sort by
the discovery time (发现时间) either way. The filters are those of ``queries.list_incidents``,
built from the same helpers, so the web list and the API list always agree on what matches.
"""

from __future__ import annotations

import sqlalchemy as sa

from yuqing.extensions import db
from yuqing.incidents import queries
from yuqing.incidents.models import Incident
from yuqing.tenancy.models import Unit

SORTS = {
    "discovered_desc": (Incident.discovered_at.desc(), Incident.id.desc()),
    "discovered_asc": (Incident.discovered_at.asc(), Incident.id.asc()),
}


def list_incidents_sorted(
    *,
    sort: str = "discovered_desc",
    state: str | None = None,
    grade: str | None = None,
    severity: str | None = None,
    unit: str | None = None,
    q: str | None = None,
    overdue: bool | None = None,
    page: int = 1,
    per_page: int = 20,
) -> queries.IncidentPage:
    query = sa.select(Incident)
    if state:
        query = query.where(Incident.state == state)
    if grade:
        query = query.where(Incident.grade_code == grade)
    if severity:
        query = query.where(Incident.severity == severity)
    if unit:
        query = query.join(Unit, Unit.id == Incident.unit_id).where(Unit.code == unit)
    q = queries._normalize_query(q)
    if q:
        pattern = queries._like(q)
        query = query.where(
            sa.or_(
                Incident.title.like(pattern, escape="\\"),
                Incident.summary.like(pattern, escape="\\"),
            )
        )
    applied = False
    if overdue is not None:
        ids = queries.overdue_incident_ids()
        if ids is not None:
            applied = True
            clause = Incident.id.in_(ids) if ids else sa.false()
            query = query.where(clause if overdue else sa.not_(clause))
    total = db.session.execute(
        sa.select(sa.func.count()).select_from(query.order_by(None).subquery())
    ).scalar_one()
    items = (
        db.session.execute(
            query.order_by(*SORTS.get(sort, SORTS["discovered_desc"]))
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
        .scalars()
        .all()
    )
    return queries.IncidentPage(list(items), page, per_page, total, applied)
