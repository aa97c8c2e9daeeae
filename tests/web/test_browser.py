"""The web shell in a real browser: Debian's chromium driven by Playwright."""

from __future__ import annotations

import shutil
import socket
import threading

import pytest
from werkzeug.serving import make_server

from tests.factories import PASSWORD

CHROMIUM = shutil.which("chromium")

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium is not installed")


@pytest.fixture
def live_server(app):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        context = browser.new_context(locale="zh-CN")
        yield context.new_page()
        browser.close()


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
