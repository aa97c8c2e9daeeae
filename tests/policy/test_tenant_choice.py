"""A tenant admin chooses the plugin and its parameters, in the web UI and through the API.

Changes apply to new incidents only: the API exposes the snapshot an incident will keep.
"""

from __future__ import annotations

from tests.conftest import csrf_token_from, login
from tests.factories import PASSWORD
from yuqing.extensions import db
from yuqing.tenancy.models import Tenant
from yuqing.tenancy.scope import tenant_scope_disabled


def _tenant(slug):
    with tenant_scope_disabled():
        # Requests run in their own session: read what they committed, not a cached copy.
        return db.session.execute(
            db.select(Tenant).filter_by(slug=slug).execution_options(populate_existing=True)
        ).scalar_one()


def test_api_exposes_the_snapshot_new_incidents_keep(client, make):
    tenant = make.tenant("anping", plugin="township")
    key = make.api_key(tenant, roles=["office"])
    body = client.get("/api/v1/policy", headers={"Authorization": f"Bearer {key}"}).json
    assert body["key"] == "township"
    assert body["version"]
    # 篇二: 半天 → 4 h by default, resolved into the snapshot.
    assert body["params"]["verify_return_hours"] == 4


def test_admin_changes_parameters_through_the_api(client, make):
    tenant = make.tenant("anping", plugin="township")
    admin = make.api_key(tenant, roles=["tenant_admin"])
    response = client.put(
        "/api/v1/policy",
        json={"plugin": "township", "params": {"verify_return_hours": 24}},
        headers={"Authorization": f"Bearer {admin}"},
    )
    assert response.status_code == 200, response.json
    assert response.json["params"]["verify_return_hours"] == 24
    assert _tenant("anping").policy_params["verify_return_hours"] == 24


def test_invalid_parameters_are_refused_in_chinese_and_nothing_changes(client, make):
    tenant = make.tenant("anping", plugin="township")
    admin = make.api_key(tenant, roles=["tenant_admin"])
    response = client.put(
        "/api/v1/policy",
        json={"plugin": "township", "params": {"verify_return_hours": "半天"}},
        headers={"Authorization": f"Bearer {admin}"},
    )
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "validation_error"
    assert "verify_return_hours" in error["fields"]
    assert any("整数" in message for message in error["fields"]["verify_return_hours"])
    assert _tenant("anping").policy_params["verify_return_hours"] == 4


def test_unknown_plugin_and_non_admin_are_refused(client, make):
    tenant = make.tenant("anping", plugin="township")
    admin = make.api_key(tenant, roles=["tenant_admin"])
    office = make.api_key(tenant, roles=["office"])
    unknown = client.put(
        "/api/v1/policy",
        json={"plugin": "no-such-plan"},
        headers={"Authorization": f"Bearer {admin}"},
    )
    assert unknown.status_code == 422
    assert "no-such-plan" in str(unknown.json["error"]["fields"])
    forbidden = client.put(
        "/api/v1/policy", json={"plugin": "school"}, headers={"Authorization": f"Bearer {office}"}
    )
    assert forbidden.status_code == 403
    assert _tenant("anping").policy_key == "township"


def test_admin_switches_plugin_in_the_web_ui(client, make):
    tenant = make.tenant("jinpenshan", plugin="township")
    admin = make.user(tenant, roles=["tenant_admin"])
    login(client, admin.email, PASSWORD)
    page = client.get("/t/jinpenshan/admin/policy?plugin=school")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "exactly_5_sites_grade" in html
    response = client.post(
        "/t/jinpenshan/admin/policy",
        data={
            "csrf_token": csrf_token_from(html),
            "plugin": "school",
            "param-exactly_5_sites_grade": "major",
        },
    )
    assert response.status_code == 302
    tenant = _tenant("jinpenshan")
    assert tenant.policy_key == "school"
    assert tenant.policy_params["exactly_5_sites_grade"] == "major"
    shown = client.get("/t/jinpenshan/policy").get_data(as_text=True)
    assert "特别重大" in shown


def test_web_form_error_keeps_the_input_and_names_the_field(client, make):
    tenant = make.tenant("anping", plugin="township")
    admin = make.user(tenant, roles=["tenant_admin"])
    login(client, admin.email, PASSWORD)
    html = client.get("/t/anping/admin/policy").get_data(as_text=True)
    response = client.post(
        "/t/anping/admin/policy",
        data={
            "csrf_token": csrf_token_from(html),
            "plugin": "township",
            "param-verify_return_hours": "abc",
        },
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "必须是整数" in body
    assert 'value="abc"' in body


def test_monitor_cannot_open_the_policy_editor(client, make):
    tenant = make.tenant("anping", plugin="township")
    monitor = make.user(tenant, roles=["monitor"])
    login(client, monitor.email, PASSWORD)
    assert client.get("/t/anping/admin/policy").status_code == 403
    assert client.get("/t/anping/policy").status_code == 200
