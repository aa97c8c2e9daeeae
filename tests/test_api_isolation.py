"""Every API endpoint that names an object by id, asked by another tenant's key: not found.

Tenant A's objects are made through the API by the roles of its plan; then tenant B's key,
holding every role, walks the OpenAPI document and asks each endpoint for A's ids. A new
endpoint is covered the moment it is documented.
"""

from __future__ import annotations

import re

from tests.incidents.helpers import As, post_body

#: Path parameters and the object of tenant A each one names.
A_IDS: dict[str, int] = {}

#: Endpoints that answer a job id or a rendered file that tenant A's setup does not create.
NOT_EXERCISED = {"job_id", "document_id", "delivery_id"}

#: Request bodies for the POST endpoints that need one.
BODIES = {
    "/metrics": {"metrics": {"views": 1}},
    "/answer": {"result": "已核实"},
    "/statements": {"kind": "holding_reply", "text": "已关注"},
    "/versions": {"text": "二稿"},
}

B_ROLES = ["tenant_admin", "office", "leader", "auditor", "monitor", "spokesperson"]


def _tenant_a(client, make):
    tenant = make.tenant("alpha", name="甲镇", plugin="township")
    village = make.unit(tenant, "V01", "中心村")
    keys = {
        role: As(client, make.api_key(tenant, roles=[role], name=f"a-{role}"))
        for role in ("monitor", "office", "spokesperson", "leader")
    }
    created = keys["monitor"].post("/signals", post_body(1, title="甲镇独有的标题"))
    incident_id = created.get_json()["incident_id"]
    keys["monitor"].act(incident_id, "report")
    keys["office"].act(incident_id, "assess", {"category": "C6", "unit": "V01"})
    keys["office"].act(incident_id, "dispatch", {"unit": "V01"})
    statement = keys["spokesperson"].post(
        f"/incidents/{incident_id}/statements", {"kind": "holding_reply", "text": "已关注。"}
    )
    slips = keys["office"].get(f"/incidents/{incident_id}/slips").get_json()
    deadlines = keys["office"].get(f"/incidents/{incident_id}/deadlines").get_json()
    finding = keys["leader"].post(
        "/accountability/findings",
        {
            "kind": "finding_concealment",
            "incident_id": incident_id,
            "unit_id": village.id,
            "evidence": "村里未报",
        },
    )
    assert finding.status_code == 201, finding.get_json()
    A_IDS.update(
        incident_id=incident_id,
        statement_id=statement.get_json()["id"],
        slip_id=slips[0]["id"],
        deadline_id=deadlines[0]["id"],
        entry_id=finding.get_json()["id"],
        digest_id=make.report_digest(tenant),
    )
    return tenant


def test_another_tenant_gets_404_for_every_object_endpoint(client, make):
    _tenant_a(client, make)
    beta = make.tenant("beta", name="乙镇", plugin="township")
    b = As(client, make.api_key(beta, roles=B_ROLES, name="b-all"))
    spec = client.get("/api/v1/openapi.json").get_json()
    asked = []
    for path, operations in spec["paths"].items():
        params = set(re.findall(r"{(\w+)}", path)) - {"fmt", "action"}
        if not params or params & NOT_EXERCISED:
            continue
        url = path.removeprefix("/api/v1").replace("{fmt}", "pdf").replace("{action}", "track")
        for name in params:
            url = url.replace(f"{{{name}}}", str(A_IDS[name]))
        for method in operations:
            if method == "get":
                response = b.get(url)
            elif method == "post":
                # A valid body, so that the lookup — not the schema — decides the answer.
                response = b.post(url, next((v for k, v in BODIES.items() if url.endswith(k)), {}))
            else:
                continue
            assert response.status_code == 404, (method, url, response.get_json())
            asked.append((method, path))
    # The walk really covered the object endpoints (guards against an empty spec).
    assert len(asked) >= 20, asked


def test_another_tenant_lists_none_of_a_objects(client, make):
    _tenant_a(client, make)
    beta = make.tenant("beta", name="乙镇", plugin="township")
    b = As(client, make.api_key(beta, roles=B_ROLES, name="b-all"))
    for path in ("/incidents", "/cases", "/accountability", "/digests", "/audit/events"):
        response = b.get(path)
        assert response.status_code == 200, (path, response.get_json())
        assert "甲镇独有的标题" not in response.get_data(as_text=True), path
        assert "村里未报" not in response.get_data(as_text=True), path
    assert b.get("/incidents").get_json()["items"] == []
