"""An incident walked through the pages in a real browser: Debian's chromium via Playwright."""

from __future__ import annotations

import re

from tests.conftest import needs_chromium
from tests.factories import PASSWORD

pytestmark = needs_chromium


def signed_in(browser, live_server, email: str):
    """A page in its own browser context (its own cookies), signed in as ``email``."""
    page = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form:has(input[name=password]) button[type=submit]")
    page.wait_for_url(re.compile(r".*/t/anping/$"))
    return page


def flash_text(page) -> str:
    return page.locator("[role=alert]").inner_text()


def test_report_assess_dispatch_acknowledge(live_server, browser, make, tmp_path):
    tenant = make.tenant("anping", name="安平镇人民政府")
    village = make.unit(tenant, "longshi", "龙市村")
    make.user(tenant, email="monitor@anping.demo", roles=["monitor"], name="王信息员")
    make.user(tenant, email="office@anping.demo", roles=["office"], name="陈主任")
    make.user(
        tenant, email="handler@anping.demo", roles=["unit_handler"], unit=village, name="李村长"
    )

    # The monitor files a post by hand and reports it to the office.
    monitor = signed_in(browser, live_server, "monitor@anping.demo")
    monitor.click("nav.tenant-nav >> text=报送舆情")
    monitor.fill("input[name=url]", "https://weibo.example.cn/status/4711")
    monitor.fill("input[name=platform]", "微博")
    monitor.fill(
        "textarea[name=content]",
        "中心街道一下雨就积水，水深到膝盖，学生只能趟水上学。<script>alert(1)</script>",
    )
    monitor.fill("input[name=views]", "860")
    monitor.fill("input[name=comments]", "86")
    # Without a title the form comes back with a Chinese message and everything else kept.
    monitor.click("#report-form button[type=submit]")
    assert "请填写标题。" in monitor.locator("#report-form").inner_text()
    assert monitor.input_value("input[name=url]") == "https://weibo.example.cn/status/4711"
    assert monitor.input_value("input[name=views]") == "860"
    monitor.screenshot(path=str(tmp_path / "report-form.png"), full_page=True)
    monitor.fill("input[name=title]", "龙市村中心街道积水严重无人管")
    monitor.click("#report-form button[type=submit]")
    monitor.wait_for_url(re.compile(r".*/t/anping/incidents/\d+$"))
    assert "已登记为新的舆情事件" in flash_text(monitor)
    incident_url = monitor.url
    assert "已报送" in monitor.locator("h1").inner_text()

    # The office grades it and sends the dispatch slip (联系单) to the village.
    office = signed_in(browser, live_server, "office@anping.demo")
    office.goto(incident_url)
    office.click("summary:has-text('研判定级')")
    office.select_option("#action-assess select[name=category]", "C1")
    office.select_option("#action-assess select[name=unit]", "longshi")
    office.fill("#action-assess textarea[name=summary]", "群众反映排水沟堵塞，属询问诉求类。")
    office.click("#action-assess button[type=submit]")
    assert "已完成「研判定级」" in flash_text(office)
    office.click("summary:has-text('交办')")
    office.select_option("#action-dispatch select[name=unit]", "longshi")
    office.fill("#action-dispatch textarea[name=instructions]", "请半天内核实并反馈。")
    office.click("#action-dispatch button[type=submit]")
    assert "已完成「交办」" in flash_text(office)
    assert "待签收" in office.locator("#slips").inner_text()

    # The village's handler signs for the slip.
    handler = signed_in(browser, live_server, "handler@anping.demo")
    dialogs = []
    handler.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    handler.goto(incident_url)
    handler.click("#slip-acknowledge button")
    assert "联系单已签收" in flash_text(handler)
    assert "李村长" in handler.locator("#slips").inner_text()
    assert "核实中" in handler.locator("h1").inner_text()
    # The hostile text stayed text: no dialog opened, and it is visible as typed.
    assert dialogs == []
    assert "<script>alert(1)</script>" in handler.locator("#posts").inner_text()

    shot = tmp_path / "incident.png"
    handler.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    office.reload()
    office.screenshot(path=str(tmp_path / "incident-office.png"), full_page=True)
    office.click("nav.tenant-nav >> text=舆情事件")
    row = office.locator("table.incident-list tbody tr").first
    assert "龙市村中心街道积水严重无人管" in row.inner_text() and "核实中" in row.inner_text()
    office.screenshot(path=str(tmp_path / "list.png"), full_page=True)
    print(f"screenshots in {tmp_path}")
