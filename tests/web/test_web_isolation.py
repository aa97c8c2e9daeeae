"""Every web page that names an object by id, opened by a member of another tenant: 404.

A member of tenant B holding every role walks the URL map under their own ``/t/beta/…`` and
asks for tenant A's ids; posts carry a valid CSRF token, so only the lookup can refuse them.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

from tests.conftest import csrf_token_from, login
from tests.factories import PASSWORD
from tests.test_api_isolation import A_IDS, B_ROLES, _tenant_a
from yuqing.accounts.models import ApiKey, Membership
from yuqing.extensions import db
from yuqing.tenancy.scope import tenant_scope

#: Objects tenant A's setup does not create (no delivery, no rendered document yet).
NOT_EXERCISED = {"delivery_id", "document_id"}


def test_another_tenant_member_gets_404_for_every_object_page(app, client, make):
    alpha = _tenant_a(client, make)
    with tenant_scope(alpha.id):
        A_IDS["membership_id"] = db.session.execute(sa.select(Membership.id)).scalars().first()
        A_IDS["key_id"] = db.session.execute(sa.select(ApiKey.id)).scalars().first()
    beta = make.tenant("beta", name="乙镇", plugin="township")
    member = make.user(beta, roles=[*B_ROLES, "unit_handler"], name="乙镇成员")
    login(client, member.email, PASSWORD)
    token = csrf_token_from(client.get("/t/beta/").get_data(as_text=True))
    asked = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/t/<tenant_slug>/") or "<int:" not in rule.rule:
            continue
        params = set(re.findall(r"<int:(\w+)>", rule.rule))
        if params & NOT_EXERCISED:
            continue
        url = rule.rule.replace("<tenant_slug>", "beta")
        url = re.sub(r"<any\([^)]*\):fmt>", "html", url).replace("<action>", "track")
        for name in params:
            url = url.replace(f"<int:{name}>", str(A_IDS[name]))
        for method in sorted(rule.methods & {"GET", "POST"}):
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, data={"csrf_token": token, "text": "x"})
            assert response.status_code == 404, (method, url, response.status_code)
            asked.append((method, rule.rule))
    assert len(asked) >= 12, asked
