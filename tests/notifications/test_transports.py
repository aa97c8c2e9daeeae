"""Delivery over real SMTP and HTTP to local receivers (see conftest.py), and timing rules."""

import base64
import hashlib
import hmac
import shutil
import ssl
import subprocess
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller

from yuqing.notifications.transports import (
    DEFAULT_RETRY_POLICY,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WECOM_MARKDOWN_MAX_BYTES,
    DeliveryError,
    RetryPolicy,
    backoff_delays,
    dingtalk_sign,
    format_message,
    in_quiet_hours,
    next_allowed_time,
    parse_hhmm,
    send_email,
    send_webhook,
    sign_payload,
    verify_signature,
)

SUBJECT = "【舆情预警】某区“学校食堂”事件：请于 17:00 前核实回复"
BODY = "您好：\n网民反映某校食堂卫生问题，热度持续上升。请于今日 17:00 前反馈核实情况。"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def email_kwargs(server, **overrides):
    kwargs = {
        "host": server.host,
        "port": server.port,
        "mail_from": "舆情平台 <noreply@yuqing.example.cn>",
        "to": ["duty@unit.example.cn"],
        "subject": SUBJECT,
        "body_text": BODY,
        "timeout": 5,
    }
    kwargs.update(overrides)
    return kwargs


# --- e-mail -----------------------------------------------------------------------------------


def test_chinese_subject_sender_and_body_arrive_decoded(smtp_server):
    receipt = send_email(**email_kwargs(smtp_server))

    [message] = smtp_server.messages
    assert message["Subject"] == SUBJECT
    assert message["From"].addresses[0].display_name == "舆情平台"
    assert message["Message-ID"] == receipt.message_id
    assert message.get_body(("plain",)).get_content().rstrip("\n") == BODY
    assert receipt.refused == {}


def test_wire_format_is_ascii_with_rfc2047_utf8_headers(smtp_server):
    send_email(**email_kwargs(smtp_server))

    [raw] = smtp_server.raw_messages
    assert raw.isascii()  # no relay needs 8BITMIME or SMTPUTF8
    subject_line = next(line for line in raw.splitlines() if line.startswith(b"Subject:"))
    assert b"=?utf-8?" in subject_line.lower()


def test_html_alternative_and_several_recipients(smtp_server):
    recipients = ["a@unit.example.cn", "b@unit.example.cn"]
    send_email(**email_kwargs(smtp_server, to=recipients, body_html="<p>请及时<b>处置</b></p>"))

    [message] = smtp_server.messages
    assert message.get_content_type() == "multipart/alternative"
    assert "<b>处置</b>" in message.get_body(("html",)).get_content()
    assert "热度持续上升" in message.get_body(("plain",)).get_content()
    [envelope] = smtp_server.envelopes
    assert envelope.rcpt_tos == recipients
    assert envelope.mail_from == "noreply@yuqing.example.cn"


def test_newlines_in_subject_cannot_inject_headers(smtp_server):
    send_email(**email_kwargs(smtp_server, subject="标题\r\nBcc: victim@example.com"))

    [message] = smtp_server.messages
    assert message["Bcc"] is None
    assert message["Subject"] == "标题 Bcc: victim@example.com"


def test_login_with_credentials(smtp_server):
    send_email(
        **email_kwargs(smtp_server),
        username=smtp_server.username,
        password=smtp_server.password,
    )
    assert smtp_server.envelopes[0].authenticated_as == smtp_server.username


def test_wrong_password_is_not_retryable(smtp_server):
    with pytest.raises(DeliveryError) as caught:
        send_email(**email_kwargs(smtp_server), username="notifier", password="wrong")
    assert caught.value.retryable is False
    assert caught.value.status == 535
    assert smtp_server.messages == []


def test_non_ascii_password_is_a_configuration_error(smtp_server):
    with pytest.raises(DeliveryError) as caught:
        send_email(**email_kwargs(smtp_server), username="notifier", password="密码")
    assert caught.value.retryable is False


def test_partly_refused_recipients_are_reported_not_raised(smtp_server):
    smtp_server.reject_recipient("gone@unit.example.cn")
    receipt = send_email(
        **email_kwargs(smtp_server, to=["ok@unit.example.cn", "gone@unit.example.cn"])
    )

    assert set(receipt.refused) == {"gone@unit.example.cn"}
    assert receipt.refused["gone@unit.example.cn"][0] == 550
    assert smtp_server.envelopes[0].rcpt_tos == ["ok@unit.example.cn"]


@pytest.mark.parametrize(
    ("reply", "retryable"),
    [("550 5.1.1 No such user", False), ("450 4.2.1 Mailbox busy", True)],
)
def test_all_recipients_refused(smtp_server, reply, retryable):
    smtp_server.reject_recipient("duty@unit.example.cn", reply)
    with pytest.raises(DeliveryError) as caught:
        send_email(**email_kwargs(smtp_server))
    assert caught.value.retryable is retryable
    assert caught.value.status == int(reply[:3])


@pytest.mark.parametrize(
    ("reply", "retryable"),
    [("451 4.3.0 Try again later", True), ("554 5.7.1 Rejected as spam", False)],
)
def test_data_rejected(smtp_server, reply, retryable):
    smtp_server.queue_data_reply(reply)
    with pytest.raises(DeliveryError) as caught:
        send_email(**email_kwargs(smtp_server))
    assert caught.value.retryable is retryable
    assert caught.value.status == int(reply[:3])
    # The transient failure clears: the retry goes through.
    if retryable:
        send_email(**email_kwargs(smtp_server))
        assert len(smtp_server.messages) == 1


def test_smtp_connection_refused_is_retryable(unused_tcp_port):
    with pytest.raises(DeliveryError) as caught:
        send_email(
            host="127.0.0.1",
            port=unused_tcp_port,
            mail_from="noreply@yuqing.example.cn",
            to=["duty@unit.example.cn"],
            subject=SUBJECT,
            body_text=BODY,
            timeout=2,
        )
    assert caught.value.retryable is True


def test_email_needs_a_recipient(smtp_server):
    with pytest.raises(ValueError):
        send_email(**email_kwargs(smtp_server, to=[]))


@pytest.fixture
def self_signed_cert(tmp_path):
    if shutil.which("openssl") is None:
        pytest.skip("openssl command not available to make a test certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],  # fmt: skip
        check=True,
        capture_output=True,
    )
    return key, cert


def test_starttls_with_a_trusted_private_ca(smtp_server, self_signed_cert, unused_tcp_port):
    key, cert = self_signed_cert
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    controller = Controller(
        smtp_server,
        hostname="127.0.0.1",
        port=unused_tcp_port,
        tls_context=server_context,
        require_starttls=True,
        authenticator=smtp_server.authenticate,
    )
    controller.start()
    try:
        tls_kwargs = email_kwargs(smtp_server, port=unused_tcp_port)
        send_email(
            **tls_kwargs,
            security="starttls",
            ssl_context=ssl.create_default_context(cafile=str(cert)),
            username=smtp_server.username,
            password=smtp_server.password,
        )
        assert smtp_server.messages[0]["Subject"] == SUBJECT

        # The same server is untrusted without the private CA: a configuration error.
        with pytest.raises(DeliveryError) as caught:
            send_email(**tls_kwargs, security="starttls")
        assert caught.value.retryable is False
    finally:
        controller.stop()


# --- webhook signing --------------------------------------------------------------------------


def test_sign_payload_covers_timestamp_and_body():
    body = '{"title":"舆情"}'.encode()
    expected = hmac.new(b"k3y", b"1767225600." + body, hashlib.sha256).hexdigest()
    assert sign_payload("k3y", body, 1767225600) == expected
    assert sign_payload("k3y", body, 1767225601) != expected
    assert sign_payload("other", body, 1767225600) != expected


def test_verify_signature_accepts_fresh_and_refuses_tampered_or_stale():
    body, ts = b'{"a":1}', 1767225600
    signature = "sha256=" + sign_payload("k3y", body, ts)
    assert verify_signature("k3y", body, str(ts), signature, now=ts + 10)
    assert not verify_signature("k3y", b'{"a":2}', ts, signature, now=ts)
    assert not verify_signature("k3y", body, ts, signature, now=ts + 301)
    assert not verify_signature("k3y", body, "not-a-number", signature, now=ts)


# --- webhook formats --------------------------------------------------------------------------


def test_format_message_bodies():
    assert format_message("json", "标题", "正文", "https://x.example/i/1") == {
        "title": "标题",
        "text": "正文",
        "url": "https://x.example/i/1",
    }
    wecom = format_message("wecom", "标题", "正文", "https://x.example/i/1")
    assert wecom == {
        "msgtype": "markdown",
        "markdown": {"content": "**标题**\n正文\n[查看详情](https://x.example/i/1)"},
    }
    dingtalk = format_message("dingtalk", "标题", "正文")
    assert dingtalk == {
        "msgtype": "markdown",
        "markdown": {"title": "标题", "text": "#### 标题\n\n正文"},
    }
    with pytest.raises(ValueError):
        format_message("slack", "标题", "正文")


def test_wecom_content_is_cut_to_the_byte_limit():
    content = format_message("wecom", "标题", "舆" * 3000)["markdown"]["content"]
    assert len(content.encode("utf-8")) <= WECOM_MARKDOWN_MAX_BYTES
    assert content.endswith("…")


# --- webhook delivery -------------------------------------------------------------------------


def test_generic_json_is_signed_and_verifiable(webhook_server):
    payload = {"event": "deadline.breached", "title": "核实超时", "incident": 42}
    status = send_webhook(webhook_server.url, payload, secret="s3cret")

    assert status == 200
    [request] = webhook_server.requests
    assert request.method == "POST"
    assert request.path == "/hook"
    assert request.headers["content-type"] == "application/json; charset=utf-8"
    assert request.json() == payload
    assert "核实超时".encode() in request.body  # UTF-8, not \u escapes
    timestamp = request.headers[TIMESTAMP_HEADER.lower()]
    signature = request.headers[SIGNATURE_HEADER.lower()]
    assert signature.startswith("sha256=")
    assert abs(int(timestamp) - time.time()) < 5
    assert verify_signature("s3cret", request.body, timestamp, signature)


def test_generic_json_without_secret_is_unsigned(webhook_server):
    send_webhook(webhook_server.url, {"a": 1}, secret=None)
    [request] = webhook_server.requests
    assert SIGNATURE_HEADER.lower() not in request.headers
    assert TIMESTAMP_HEADER.lower() not in request.headers


def test_wecom_group_bot_shape(webhook_server):
    payload = format_message("wecom", "舆情预警", "某校食堂事件热度上升", "https://yq.example/i/7")
    send_webhook(webhook_server.url + "?key=abc", payload, secret=None, fmt="wecom")

    [request] = webhook_server.requests
    assert request.query == {"key": ["abc"]}
    body = request.json()
    assert body["msgtype"] == "markdown"
    assert body["markdown"]["content"].startswith("**舆情预警**")
    assert "[查看详情](https://yq.example/i/7)" in body["markdown"]["content"]


def test_wecom_refuses_a_secret_and_a_raw_payload(webhook_server):
    with pytest.raises(ValueError):
        send_webhook(webhook_server.url, format_message("wecom", "t", "x"), "s", fmt="wecom")
    with pytest.raises(ValueError):
        send_webhook(webhook_server.url, {"text": "x"}, None, fmt="wecom")
    assert webhook_server.requests == []


def test_dingtalk_robot_shape_and_signature(webhook_server):
    payload = format_message("dingtalk", "舆情预警", "请及时处置")
    url = webhook_server.url + "?access_token=tok"
    send_webhook(url, payload, secret="SECabc", fmt="dingtalk")

    [request] = webhook_server.requests
    assert request.json() == {
        "msgtype": "markdown",
        "markdown": {"title": "舆情预警", "text": "#### 舆情预警\n\n请及时处置"},
    }
    assert request.query["access_token"] == ["tok"]
    [timestamp] = request.query["timestamp"]
    [sign] = request.query["sign"]  # parse_qs has undone the URL encoding
    assert abs(int(timestamp) - time.time() * 1000) < 5000
    expected = base64.b64encode(
        hmac.new(b"SECabc", f"{timestamp}\nSECabc".encode(), hashlib.sha256).digest()
    ).decode()
    assert sign == expected == dingtalk_sign("SECabc", int(timestamp))


def test_dingtalk_without_secret_adds_no_query(webhook_server):
    send_webhook(webhook_server.url, format_message("dingtalk", "t", "x"), None, fmt="dingtalk")
    assert webhook_server.requests[0].query == {}


def test_server_error_is_retryable_then_succeeds(webhook_server):
    webhook_server.queue_response(500, b"upstream down")
    payload = {"title": "核实超时"}

    with pytest.raises(DeliveryError) as caught:
        send_webhook(webhook_server.url, payload, secret="s3cret")
    assert caught.value.retryable is True
    assert caught.value.status == 500
    assert "upstream down" in str(caught.value)

    assert send_webhook(webhook_server.url, payload, secret="s3cret") == 200
    assert len(webhook_server.requests) == 2


@pytest.mark.parametrize(
    ("status", "retryable"), [(400, False), (403, False), (404, False), (429, True)]
)
def test_client_errors_are_not_retryable_except_rate_limits(webhook_server, status, retryable):
    webhook_server.queue_response(status, {"error": "nope"})
    with pytest.raises(DeliveryError) as caught:
        send_webhook(webhook_server.url, {"a": 1}, secret=None)
    assert caught.value.retryable is retryable
    assert caught.value.status == status


@pytest.mark.parametrize(
    ("fmt", "errcode", "retryable"),
    [
        ("dingtalk", 310000, False),  # sign not match / keyword missing
        ("dingtalk", 130101, True),  # send too fast
        ("wecom", 93000, False),  # invalid webhook url
        ("wecom", 45009, True),  # api freq out of limit
    ],
)
def test_bot_errcode_in_a_200_answer_is_a_failure(webhook_server, fmt, errcode, retryable):
    webhook_server.queue_response(200, {"errcode": errcode, "errmsg": "refused"})
    with pytest.raises(DeliveryError) as caught:
        send_webhook(webhook_server.url, format_message(fmt, "t", "x"), None, fmt=fmt)
    assert caught.value.retryable is retryable
    assert caught.value.status == errcode


def test_bot_answer_that_is_not_json_is_a_configuration_error(webhook_server):
    webhook_server.queue_response(200, b"<html>login page</html>")
    with pytest.raises(DeliveryError) as caught:
        send_webhook(webhook_server.url, format_message("wecom", "t", "x"), None, fmt="wecom")
    assert caught.value.retryable is False


def test_redirects_are_not_followed(webhook_server):
    webhook_server.queue_response(302, b"")
    with pytest.raises(DeliveryError) as caught:
        send_webhook(webhook_server.url, {"a": 1}, secret=None)
    assert caught.value.retryable is False
    assert caught.value.status == 302
    assert len(webhook_server.requests) == 1


def test_webhook_connection_refused_is_retryable(unused_tcp_port):
    with pytest.raises(DeliveryError) as caught:
        send_webhook(f"http://127.0.0.1:{unused_tcp_port}/hook", {"a": 1}, None, timeout=2)
    assert caught.value.retryable is True


def test_webhook_timeout_is_retryable(webhook_server):
    webhook_server.queue_response(200, delay=1.0)
    with pytest.raises(DeliveryError) as caught:
        send_webhook(webhook_server.url, {"a": 1}, None, timeout=0.2)
    assert caught.value.retryable is True


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.cn/x", "example.cn/hook"])
def test_only_http_urls_are_opened(url):
    with pytest.raises(ValueError):
        send_webhook(url, {"a": 1}, None)


# --- retries ----------------------------------------------------------------------------------


def test_backoff_delays():
    assert [backoff_delays(attempt) for attempt in range(1, 8)] == [
        timedelta(seconds=30),
        timedelta(minutes=2),
        timedelta(minutes=10),
        timedelta(hours=1),
        timedelta(hours=1),
        timedelta(hours=1),
        timedelta(hours=1),
    ]
    with pytest.raises(ValueError):
        backoff_delays(0)


def test_retry_policy_gives_up_after_max_attempts_or_on_permanent_errors():
    transient = DeliveryError("down", retryable=True)
    permanent = DeliveryError("bad address", retryable=False)
    policy = DEFAULT_RETRY_POLICY
    assert policy.max_attempts == 6
    assert [policy.next_retry_in(n, transient) for n in range(1, 7)] == [
        timedelta(seconds=30),
        timedelta(minutes=2),
        timedelta(minutes=10),
        timedelta(hours=1),
        timedelta(hours=1),
        None,
    ]
    assert policy.next_retry_in(1, permanent) is None
    custom = RetryPolicy(delays=(timedelta(seconds=1),), max_attempts=2)
    assert custom.next_retry_in(1, transient) == timedelta(seconds=1)
    assert custom.next_retry_in(2, transient) is None


# --- quiet hours ------------------------------------------------------------------------------


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, 10, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("now", "quiet"),
    [
        (at(21, 59), False),
        (at(22, 0), True),
        (at(23, 30), True),
        (at(0, 0), True),
        (at(6, 59), True),
        (at(7, 0), False),
        (at(12, 0), False),
    ],
    ids=lambda value: value.strftime("%H:%M") if isinstance(value, datetime) else str(value),
)
def test_quiet_hours_across_midnight(now, quiet):
    assert in_quiet_hours(now, "22:00", "07:00") is quiet


@pytest.mark.parametrize(
    ("now", "quiet"), [(at(11, 59), False), (at(12, 0), True), (at(14, 0), False)]
)
def test_quiet_hours_within_a_day(now, quiet):
    assert in_quiet_hours(now, "12:00", "14:00") is quiet


@pytest.mark.parametrize(
    ("start", "end"), [(None, "07:00"), ("22:00", None), (None, None), ("08:00", "08:00")]
)
def test_no_quiet_hours(start, end):
    assert not in_quiet_hours(at(8, 0), start, end)
    assert next_allowed_time(at(8, 0), start, end) == at(8, 0)


def test_next_allowed_time():
    assert next_allowed_time(at(23, 30), "22:00", "07:00") == datetime(
        2026, 3, 11, 7, 0, tzinfo=SHANGHAI
    )
    assert next_allowed_time(at(3, 15), "22:00", "07:00") == at(7, 0)
    assert next_allowed_time(at(10, 5), "22:00", "07:00") == at(10, 5)
    assert next_allowed_time(at(12, 30), "12:00", "14:00") == at(14, 0)
    assert next_allowed_time(at(23, 30), "22:00", "07:00").tzinfo is SHANGHAI


@pytest.mark.parametrize("value", ["25:00", "24:00", "7:0", "0700", "ab:cd", "", "07:60"])
def test_bad_quiet_hours_raise(value):
    with pytest.raises(ValueError):
        parse_hhmm(value)
    with pytest.raises(ValueError):
        in_quiet_hours(at(8), value, "07:00")
