"""The README's run command: ``yuqing demo`` with the embedded default (SQLite and a Redis
child process), from nothing to a Chinese login page where the demo logins work."""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

from yuqing.cli import DEMO_PASSWORD


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_demo_serves_chinese_login_and_demo_logins_work(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("YUQING_")}
    env["YUQING_INSTANCE_PATH"] = str(tmp_path / "instance")
    demo = subprocess.Popen(
        [sys.executable, "-m", "yuqing.cli", "demo", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output = ""
        deadline = time.monotonic() + 120
        while "按 Ctrl+C 停止" not in output:
            assert demo.poll() is None, output
            assert time.monotonic() < deadline, output
            output += demo.stdout.readline()
        assert f"http://127.0.0.1:{port}/" in output
        assert "office@anping.demo" in output

        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = opener.open(f"http://127.0.0.1:{port}/login").read().decode()
        assert "登录舆情处置平台" in page
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode(
            {"email": "office@anping.demo", "password": DEMO_PASSWORD, "csrf_token": token}
        ).encode()
        home = opener.open(f"http://127.0.0.1:{port}/login", data=form)
        assert home.geturl().endswith("/t/anping-town/")
        assert "安仁县安平镇人民政府" in home.read().decode()
        # The demo agencies come with work in progress to look at.
        incidents = opener.open(f"http://127.0.0.1:{port}/t/anping-town/incidents").read().decode()
        assert "村道修了一半就停工" in incidents

        # Stopped by a service manager, the demo takes its web, worker, cron and Redis along.
        demo.send_signal(signal.SIGTERM)
        demo.wait(timeout=30)
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", port)) != 0
        assert not (tmp_path / "instance" / "redis.sock").exists() or _redis_gone(
            tmp_path / "instance" / "redis.sock"
        )
    finally:
        if demo.poll() is None:
            os.killpg(demo.pid, signal.SIGKILL)


def _redis_gone(socket_path) -> bool:
    with socket.socket(socket.AF_UNIX) as probe:
        return probe.connect_ex(str(socket_path)) != 0
