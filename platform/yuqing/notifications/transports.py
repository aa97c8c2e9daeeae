"""Delivering a notification over SMTP or an HTTP webhook, plus the timing rules around it.

No database, no queue: the job layer decides what to send and when, calls a ``send_*``
function, and on :class:`DeliveryError` asks :class:`RetryPolicy` whether and when to retry.
``DeliveryError.retryable`` separates "try again later" (timeouts, 5xx, 4xx SMTP replies,
rate limits) from "fix the configuration" (bad address, bad signature, 4xx HTTP).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import smtplib
import ssl
import time as time_module
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any, Literal

#: Webhook body formats: our own signed JSON, WeCom (企业微信) and DingTalk (钉钉) group bots.
WEBHOOK_FORMATS = ("json", "wecom", "dingtalk")

SIGNATURE_HEADER = "X-Yuqing-Signature"
TIMESTAMP_HEADER = "X-Yuqing-Timestamp"

#: HTTP statuses worth retrying besides 5xx: timeout, too early, rate limited.
RETRYABLE_HTTP_STATUSES = frozenset({408, 425, 429})

#: Bot ``errcode`` values that mean "later", not "misconfigured": system busy (both),
#: WeCom's 45009 (rate limit: 20 messages a minute per bot), DingTalk's 130101 (send too fast).
RETRYABLE_BOT_ERRCODES = frozenset({-1, 45009, 130101})

#: WeCom rejects markdown content over 4096 bytes (UTF-8).
WECOM_MARKDOWN_MAX_BYTES = 4096

#: Enough of a response body for an error message; a misbehaving receiver cannot flood us.
_MAX_RESPONSE_BYTES = 64 * 1024

_USER_AGENT = "Yuqing-Notifier/1.0"


class DeliveryError(Exception):
    """A message was not delivered; ``retryable`` tells the job layer whether to try again."""

    def __init__(self, message: str, *, retryable: bool, status: int | None = None) -> None:
        super().__init__(message)
        #: True for transient failures (network, 5xx, rate limits), False for configuration
        #: errors that a retry cannot fix.
        self.retryable = retryable
        #: HTTP status, SMTP reply code or bot errcode, when there was one.
        self.status = status

    def __repr__(self) -> str:
        return f"DeliveryError({str(self)!r}, retryable={self.retryable}, status={self.status})"


# --- e-mail -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EmailReceipt:
    message_id: str
    #: Recipients the server refused while accepting the others: address → (code, reply).
    #: The message went out, so this is not an error; retrying would duplicate it for the rest.
    refused: Mapping[str, tuple[int, str]] = field(default_factory=dict)


def _one_line(value: str) -> str:
    # Subjects come from incident titles typed by users; a newline would be a header injection
    # (and EmailMessage refuses it anyway).
    return " ".join(value.split())


def build_email(
    mail_from: str,
    to: Sequence[str],
    subject: str,
    body_text: str,
    body_html: str | None = None,
) -> EmailMessage:
    """The MIME message :func:`send_email` sends: UTF-8 throughout, RFC 2047 headers."""
    if not to:
        raise ValueError("an e-mail needs at least one recipient")
    message = EmailMessage()
    message["Subject"] = _one_line(subject)
    message["From"] = mail_from
    message["To"] = ", ".join(to)
    message["Date"] = formatdate(localtime=True)
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or None
    message["Message-ID"] = make_msgid(domain=domain)
    # base64 rather than 8bit: Chinese text survives relays without 8BITMIME, at 4/3 the size
    # (quoted-printable would triple it).
    message.set_content(body_text, charset="utf-8", cte="base64")
    if body_html is not None:
        message.add_alternative(body_html, subtype="html", charset="utf-8", cte="base64")
    return message


def send_email(
    host: str,
    port: int,
    mail_from: str,
    to: list[str],
    subject: str,
    body_text: str,
    body_html: str | None = None,
    timeout: float = 10,
    *,
    username: str | None = None,
    password: str | None = None,
    security: Literal["none", "starttls", "ssl"] = "none",
    ssl_context: ssl.SSLContext | None = None,
) -> EmailReceipt:
    """Send one message through an SMTP relay; raise :class:`DeliveryError` if it was not taken.

    ``mail_from`` may carry a Chinese display name (``"舆情平台 <noreply@example.cn>"``).
    ``security`` is "starttls" (port 587) or "ssl" (port 465) for real relays; ``ssl_context``
    lets a deployment trust a private CA. 4xx SMTP replies and network failures are retryable,
    5xx replies are not.
    """
    if security not in ("none", "starttls", "ssl"):
        raise ValueError(f"unknown SMTP security {security!r}")
    if not f"{username or ''}{password or ''}".isascii():
        # smtplib encodes AUTH credentials as ASCII and would fail mid-session.
        raise DeliveryError("SMTP username and password must be ASCII", retryable=False)
    message = build_email(mail_from, to, subject, body_text, body_html)
    envelope_from = parseaddr(mail_from)[1] or mail_from
    context = ssl_context or ssl.create_default_context()
    try:
        if security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
        else:
            client = smtplib.SMTP(host, port, timeout=timeout)
        with client:
            if security == "starttls":
                client.starttls(context=context)
            if username is not None:
                client.login(username, password or "")
            refused = client.send_message(message, from_addr=envelope_from, to_addrs=list(to))
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        raise DeliveryError(
            f"SMTP server refused every recipient: {_decode_refusals(exc.recipients)}",
            retryable=all(400 <= code < 500 for code in codes),
            status=max(codes, default=None),
        ) from exc
    except smtplib.SMTPResponseException as exc:
        # Sender refused, DATA rejected, authentication failed…: the reply code decides.
        raise DeliveryError(
            f"SMTP {exc.smtp_code}: {_text(exc.smtp_error)}",
            retryable=400 <= exc.smtp_code < 500,
            status=exc.smtp_code,
        ) from exc
    except smtplib.SMTPNotSupportedError as exc:
        raise DeliveryError(f"SMTP server lacks a feature: {exc}", retryable=False) from exc
    except ssl.SSLCertVerificationError as exc:
        raise DeliveryError(f"SMTP certificate rejected: {exc}", retryable=False) from exc
    except OSError as exc:
        # Refused connection, timeout, dropped connection (SMTPServerDisconnected is an OSError).
        raise DeliveryError(f"SMTP connection failed: {exc}", retryable=True) from exc
    return EmailReceipt(
        message_id=message["Message-ID"],
        refused={address: (code, _text(reply)) for address, (code, reply) in refused.items()},
    )


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply


def _decode_refusals(recipients: Mapping[str, tuple[int, bytes]]) -> str:
    return "; ".join(f"{rcpt} {code} {_text(reply)}" for rcpt, (code, reply) in recipients.items())


# --- webhooks ---------------------------------------------------------------------------------


def sign_payload(secret: str, body: bytes, timestamp: int) -> str:
    """HMAC-SHA256 hex digest of ``b"<timestamp>." + body`` keyed with ``secret``.

    The timestamp is signed with the body so that a captured request cannot be replayed later
    with a fresh timestamp; receivers should also reject old timestamps (:func:`verify_signature`).
    """
    message = str(int(timestamp)).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def verify_signature(
    secret: str,
    body: bytes,
    timestamp: int | str,
    signature: str,
    *,
    now: float | None = None,
    tolerance: int = 300,
) -> bool:
    """Receiver side of :func:`sign_payload`: the ``X-Yuqing-*`` headers against the body.

    ``signature`` may carry the ``sha256=`` prefix. Timestamps more than ``tolerance``
    seconds away from ``now`` are refused.
    """
    try:
        ts = int(timestamp)
    except (TypeError, ValueError):
        return False
    current = time_module.time() if now is None else now
    if abs(current - ts) > tolerance:
        return False
    expected = sign_payload(secret, body, ts)
    return hmac.compare_digest(expected, signature.removeprefix("sha256="))


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's 加签: base64(HMAC-SHA256(secret, "<timestamp_ms>\\n<secret>")), not URL-encoded."""
    string_to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode("utf-8"), string_to_sign, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def _truncate_utf8(text: str, max_bytes: int) -> str:
    encoded = text.encode("utf-8")
    if len(encoded) <= max_bytes:
        return text
    marker = "…"
    room = max_bytes - len(marker.encode("utf-8"))
    # errors="ignore" drops a character cut in half instead of leaving broken bytes.
    return encoded[:room].decode("utf-8", "ignore") + marker


def format_message(fmt: str, title: str, text: str, url: str | None = None) -> dict[str, Any]:
    """The request body for a webhook of format ``fmt``.

    - "json": ``{"title", "text", "url"}`` for receivers of our own format;
    - "wecom": a WeCom group-bot markdown message (content cut to 4096 UTF-8 bytes);
    - "dingtalk": a DingTalk robot markdown message (``title`` is what the notification shows).
    """
    link = f"[查看详情]({url})" if url else ""
    if fmt == "json":
        return {"title": title, "text": text, "url": url}
    if fmt == "wecom":
        content = f"**{title}**\n{text}" + (f"\n{link}" if link else "")
        return {
            "msgtype": "markdown",
            "markdown": {"content": _truncate_utf8(content, WECOM_MARKDOWN_MAX_BYTES)},
        }
    if fmt == "dingtalk":
        # DingTalk markdown needs blank lines between paragraphs.
        body = f"#### {title}\n\n{text}" + (f"\n\n{link}" if link else "")
        return {"msgtype": "markdown", "markdown": {"title": title, "text": body}}
    raise ValueError(f"unknown webhook format {fmt!r}; expected one of {WEBHOOK_FORMATS}")


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    # urllib would follow a 302 by turning the POST into a bodiless GET; a webhook that
    # redirects is misconfigured, so surface it instead.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def send_webhook(
    url: str,
    payload: dict[str, Any],
    secret: str | None,
    fmt: str = "json",
    timeout: float = 10,
) -> int:
    """POST ``payload`` (build it with :func:`format_message`) to ``url``; return the status.

    - "json": adds ``X-Yuqing-Timestamp`` (Unix seconds) and ``X-Yuqing-Signature:
      sha256=<hex>`` (:func:`sign_payload`) when ``secret`` is given.
    - "wecom": the bot key is in the URL; WeCom bots have no signing, so a secret is an error.
    - "dingtalk": with a secret, appends ``timestamp`` (ms) and ``sign`` query parameters.

    WeCom and DingTalk answer HTTP 200 with an ``errcode`` on failure; a non-zero errcode
    raises too. Raises :class:`DeliveryError` on network errors, non-2xx statuses (5xx, 408,
    425 and 429 retryable) and redirects (not retryable).
    """
    if fmt not in WEBHOOK_FORMATS:
        raise ValueError(f"unknown webhook format {fmt!r}; expected one of {WEBHOOK_FORMATS}")
    scheme = urllib.parse.urlsplit(url).scheme
    if scheme not in ("http", "https"):
        # urllib would happily open file:// or ftp:// URLs an admin typed in.
        raise ValueError(f"webhook URL must be http(s), got {scheme or 'no'} scheme")
    if fmt in ("wecom", "dingtalk") and "msgtype" not in payload:
        raise ValueError(f"{fmt} payload needs a msgtype; build it with format_message()")
    if fmt == "wecom" and secret:
        raise ValueError("WeCom group bots do not sign requests; the key belongs in the URL")

    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": _USER_AGENT}
    if fmt == "json" and secret:
        timestamp = int(time_module.time())
        headers[TIMESTAMP_HEADER] = str(timestamp)
        headers[SIGNATURE_HEADER] = "sha256=" + sign_payload(secret, body, timestamp)
    if fmt == "dingtalk" and secret:
        timestamp_ms = int(time_module.time() * 1000)
        query = urllib.parse.urlencode(
            {"timestamp": timestamp_ms, "sign": dingtalk_sign(secret, timestamp_ms)}
        )
        url = f"{url}{'&' if urllib.parse.urlsplit(url).query else '?'}{query}"

    status, raw = _post(url, body, headers, timeout)
    if not 200 <= status < 300:
        raise DeliveryError(
            f"webhook answered HTTP {status}: {_snippet(raw)}",
            retryable=status >= 500 or status in RETRYABLE_HTTP_STATUSES,
            status=status,
        )
    if fmt in ("wecom", "dingtalk"):
        _check_bot_reply(fmt, raw)
    return status


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    opener = urllib.request.build_opener(_RefuseRedirects)
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status, response.read(_MAX_RESPONSE_BYTES)
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.read(_MAX_RESPONSE_BYTES)
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, ssl.SSLCertVerificationError):
            raise DeliveryError(
                f"webhook certificate rejected: {exc.reason}", retryable=False
            ) from exc
        raise DeliveryError(f"webhook unreachable: {exc.reason}", retryable=True) from exc
    except (OSError, http.client.HTTPException) as exc:
        # Timeouts while reading, resets, malformed responses: the receiver may recover.
        raise DeliveryError(f"webhook failed: {exc!r}", retryable=True) from exc


def _check_bot_reply(fmt: str, raw: bytes) -> None:
    try:
        reply = json.loads(raw)
        errcode = int(reply.get("errcode", 0))
    except (ValueError, TypeError, AttributeError) as exc:
        raise DeliveryError(
            f"{fmt} bot gave an unexpected answer: {_snippet(raw)}", retryable=False
        ) from exc
    if errcode != 0:
        raise DeliveryError(
            f"{fmt} bot refused the message: errcode {errcode} {reply.get('errmsg', '')}",
            retryable=errcode in RETRYABLE_BOT_ERRCODES,
            status=errcode,
        )


def _snippet(raw: bytes, limit: int = 200) -> str:
    return raw[:limit].decode("utf-8", "replace")


# --- retries ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how late a failed delivery is tried again.

    ``attempt`` is the 1-based number of the attempt that just failed.
    """

    #: Wait after the 1st, 2nd, … failure; the last entry repeats.
    delays: tuple[timedelta, ...] = (
        timedelta(seconds=30),
        timedelta(minutes=2),
        timedelta(minutes=10),
        timedelta(hours=1),
    )
    #: Attempts in total, the first included; then the delivery is given up and reported.
    max_attempts: int = 6

    def delay(self, attempt: int) -> timedelta:
        if attempt < 1:
            raise ValueError(f"attempt numbers start at 1, got {attempt}")
        return self.delays[min(attempt, len(self.delays)) - 1]

    def should_retry(self, attempt: int, error: DeliveryError) -> bool:
        return error.retryable and attempt < self.max_attempts

    def next_retry_in(self, attempt: int, error: DeliveryError) -> timedelta | None:
        """The wait before the next attempt, or None to give up."""
        return self.delay(attempt) if self.should_retry(attempt, error) else None


DEFAULT_RETRY_POLICY = RetryPolicy()


def backoff_delays(attempt: int, policy: RetryPolicy = DEFAULT_RETRY_POLICY) -> timedelta:
    """The wait after failed attempt number ``attempt``: 30 s, 2 min, 10 min, 1 h, 1 h…"""
    return policy.delay(attempt)


# --- quiet hours ------------------------------------------------------------------------------


def parse_hhmm(value: str) -> time:
    """ "22:00" → time(22, 0); raises ValueError on anything else (24:00 included)."""
    hours, sep, minutes = value.partition(":")
    if not sep or not (hours.isdigit() and minutes.isdigit()) or len(minutes) != 2:
        raise ValueError(f"expected HH:MM, got {value!r}")
    return time(int(hours), int(minutes))


def _quiet_window(quiet_start: str | None, quiet_end: str | None) -> tuple[time, time] | None:
    if quiet_start is None or quiet_end is None:
        return None
    start, end = parse_hhmm(quiet_start), parse_hhmm(quiet_end)
    # start == end would mean either "never" or "always"; "never" is the harmless reading.
    return None if start == end else (start, end)


def in_quiet_hours(now_local: datetime, quiet_start: str | None, quiet_end: str | None) -> bool:
    """Whether ``now_local``'s wall-clock time lies in [start, end), which may span midnight.

    Either bound None, or both equal, means no quiet hours.
    """
    window = _quiet_window(quiet_start, quiet_end)
    if window is None:
        return False
    start, end = window
    now = now_local.time().replace(tzinfo=None)
    if start < end:
        return start <= now < end
    return now >= start or now < end  # e.g. 22:00–07:00


def next_allowed_time(
    now_local: datetime, quiet_start: str | None, quiet_end: str | None
) -> datetime:
    """``now_local`` outside quiet hours, else the local time they end (same tzinfo)."""
    window = _quiet_window(quiet_start, quiet_end)
    if window is None or not in_quiet_hours(now_local, quiet_start, quiet_end):
        return now_local
    end = window[1]
    candidate = now_local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if candidate <= now_local:
        # Wall-clock arithmetic on purpose: the quiet hours end at 07:00 local, DST or not.
        candidate += timedelta(days=1)
    return candidate


__all__ = [
    "DEFAULT_RETRY_POLICY",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "WEBHOOK_FORMATS",
    "DeliveryError",
    "EmailReceipt",
    "RetryPolicy",
    "backoff_delays",
    "build_email",
    "dingtalk_sign",
    "format_message",
    "in_quiet_hours",
    "next_allowed_time",
    "parse_hhmm",
    "send_email",
    "send_webhook",
    "sign_payload",
    "verify_signature",
]
