"""Sign-in, CSRF, rate limiting, lock-out and API keys."""

from __future__ import annotations

from tests.conftest import csrf_token_from, login
from tests.factories import PASSWORD
from yuqing.accounts.models import ApiKey
from yuqing.extensions import db
from yuqing.tenancy.scope import tenant_scope


def test_login_page_is_chinese_by_default(client):
    page = client.get("/login")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "登录舆情处置平台" in html
    assert 'lang="zh-CN"' in html


def test_login_page_in_english_on_request(client):
    html = client.get("/login?lang=en").get_data(as_text=True)
    assert 'lang="en"' in html


def test_login_and_reach_own_tenant(client, make):
    tenant = make.tenant("anping", name="安平镇")
    user = make.user(tenant, roles=["office"], name="李主任")
    response = login(client, user.email, PASSWORD)
    assert response.status_code == 302
    home = client.get("/t/anping/")
    assert home.status_code == 200
    assert "安平镇" in home.get_data(as_text=True)


def test_form_without_csrf_token_is_rejected(client, make):
    tenant = make.tenant()
    user = make.user(tenant)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    # Signed in, a state-changing form without the token is refused as well.
    login(client, user.email, PASSWORD)
    assert client.post("/logout").status_code == 400


def test_wrong_password_and_unknown_account_look_the_same(client, make):
    tenant = make.tenant()
    user = make.user(tenant)
    wrong = login(client, user.email, "not the password").get_data(as_text=True)
    unknown = login(client, "nobody@example.cn", "whatever").get_data(as_text=True)
    assert "邮箱或密码不正确" in wrong
    assert "邮箱或密码不正确" in unknown
    assert user.email not in unknown


def test_account_locks_after_repeated_failures_without_saying_so(client, make):
    tenant = make.tenant()
    user = make.user(tenant)
    for _ in range(5):
        login(client, user.email, "wrong")
    # Even the right password is refused while locked, with the same generic message.
    response = login(client, user.email, PASSWORD)
    assert response.status_code == 200
    assert "邮箱或密码不正确" in response.get_data(as_text=True)


def test_login_is_rate_limited_per_address(app, client, make):
    tenant = make.tenant()
    user = make.user(tenant)
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    statuses = [
        client.post(
            "/login", data={"email": user.email, "password": "x", "csrf_token": token}
        ).status_code
        for _ in range(12)
    ]
    assert statuses[:10] == [200] * 10
    assert statuses[10:] == [429, 429]


def test_member_of_b_cannot_open_a_pages(client, make):
    alpha = make.tenant("alpha")
    beta = make.tenant("beta")
    make.unit(alpha, "A1", "甲办")
    stranger = make.user(beta, roles=["tenant_admin"])
    login(client, stranger.email, PASSWORD)
    assert client.get("/t/beta/").status_code == 200
    for path in (
        "/t/alpha/",
        "/t/alpha/admin/units",
        "/t/alpha/admin/members",
        "/t/alpha/admin/apikeys",
    ):
        assert client.get(path).status_code == 404, path
    body = client.get("/t/beta/admin/units").get_data(as_text=True)
    assert "甲办" not in body


def test_platform_admin_does_not_see_tenant_pages_unless_member(client, make):
    make.tenant("alpha")
    admin = make.user(None, platform_admin=True)
    login(client, admin.email, PASSWORD)
    assert client.get("/admin/tenants").status_code == 200
    assert client.get("/t/alpha/").status_code == 404


def test_role_without_admin_gets_403(client, make):
    tenant = make.tenant("alpha")
    monitor = make.user(tenant, roles=["monitor"])
    login(client, monitor.email, PASSWORD)
    assert client.get("/t/alpha/admin/members").status_code == 403


def test_api_key_decides_tenant(client, make):
    alpha = make.tenant("alpha")
    key = make.api_key(alpha, roles=["office"])
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200
    assert response.json["tenant"] == "alpha"
    with tenant_scope(alpha.id):
        stored = db.session.execute(db.select(ApiKey)).scalar_one()
        assert stored.last_used_at is not None
        assert key not in (stored.key_digest, stored.prefix)


def test_missing_wrong_and_revoked_keys_get_401_json(client, make):
    from yuqing.accounts.operations import revoke_api_key

    alpha = make.tenant("alpha")
    key = make.api_key(alpha, name="integration")
    assert client.get("/api/v1/me").status_code == 401
    wrong = client.get("/api/v1/me", headers={"Authorization": "Bearer yq_not-a-key"})
    assert wrong.status_code == 401
    assert wrong.json["error"]["code"] == "unauthorized"
    assert wrong.json["error"]["message"]
    with tenant_scope(alpha.id):
        revoke_api_key(name="integration")
        db.session.commit()
    revoked = client.get("/api/v1/me", headers={"Authorization": f"Bearer {key}"})
    assert revoked.status_code == 401
    assert "tenant" not in revoked.json


def test_pages_carry_security_headers(client):
    response = client.get("/login")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]


def test_one_person_in_two_tenants_switches_between_them(client, make):
    anping = make.tenant("anping", name="安平镇")
    school = make.tenant("jinpenshan", name="金盆山学校", plugin="school")
    person = make.user(anping, email="zhou@example.cn", roles=["spokesperson"])
    make.user(school, email="zhou@example.cn", roles=["leader"])
    login(client, person.email, PASSWORD)
    chooser = client.get("/tenants").get_data(as_text=True)
    assert "安平镇" in chooser and "金盆山学校" in chooser
    assert "安平镇" in client.get("/t/anping/").get_data(as_text=True)
    # Each tenant shows the roles held there, nothing carried over from the other.
    school_home = client.get("/t/jinpenshan/").get_data(as_text=True)
    assert "金盆山学校" in school_home
    assert client.get("/t/jinpenshan/admin/members").status_code == 403
