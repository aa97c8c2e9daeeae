"""The web shell in a real browser: Debian's chromium driven by Playwright."""

from __future__ import annotations

import pytest

from tests.conftest import needs_chromium
from tests.factories import PASSWORD

pytestmark = needs_chromium


@pytest.fixture
def page(browser):
    return browser.new_context(locale="zh-CN").new_page()


def test_sign_in_in_chinese_and_see_the_tenant(live_server, page, make):
    tenant = make.tenant("anping-town", name="安平镇人民政府")
    make.user(tenant, email="office@anping.demo", roles=["office", "tenant_admin"], name="陈主任")
    page.goto(f"{live_server}/")
    assert page.locator("h1").inner_text() == "登录舆情处置平台"
    page.fill("input[name=email]", "office@anping.demo")
    page.fill("input[name=password]", "wrong password")
    page.click("main button[type=submit]")
    assert "邮箱或密码不正确" in page.locator("[role=alert]").inner_text()
    page.fill("input[name=email]", "office@anping.demo")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server}/t/anping-town/")
    assert "安平镇人民政府" in page.locator("h1").inner_text()
    # The admin adds a unit through the form, CSRF token and all.
    page.goto(f"{live_server}/t/anping-town/admin/units")
    page.fill("input[name=code]", "longshi")
    page.fill("input[name=name]", "龙市村")
    page.click("main button.primary")
    assert "单位已保存" in page.locator("[role=alert]").inner_text()
    assert page.locator("td", has_text="龙市村").count() == 1
    # English on request.
    page.click("#lang-switch")
    assert page.locator("html").get_attribute("lang") == "en"
