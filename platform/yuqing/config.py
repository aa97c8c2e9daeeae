"""Configuration from the environment, with an embedded default when nothing is set.

Unset ``YUQING_DATABASE_URL`` means SQLite in the instance folder; unset ``YUQING_REDIS_URL``
means a Redis child process on a unix socket in the instance folder (see ``runtime.py``).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def default_instance_path() -> Path:
    return Path(os.environ.get("YUQING_INSTANCE_PATH", Path.cwd() / "instance")).resolve()


def _secret_key(instance_path: Path) -> str:
    """A stable secret for the embedded default, created once and kept in the instance folder."""
    configured = os.environ.get("YUQING_SECRET_KEY")
    if configured:
        return configured
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def embedded_redis_socket(instance_path: Path) -> Path:
    return instance_path / "redis.sock"


def load_config(instance_path: Path | None = None, **overrides) -> dict:
    instance_path = instance_path or default_instance_path()
    database_url = (
        os.environ.get("YUQING_DATABASE_URL") or f"sqlite:///{instance_path / 'yuqing.db'}"
    )
    redis_url = os.environ.get("YUQING_REDIS_URL") or (
        f"unix://{embedded_redis_socket(instance_path)}"
    )
    config = {
        "INSTANCE_PATH": str(instance_path),
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        # Migrations and row-level-security policies are created by the table owner; the web and
        # worker processes connect as a role that owns nothing (ARCHITECTURE §2).
        "YUQING_DATABASE_OWNER_URL": os.environ.get("YUQING_DATABASE_OWNER_URL") or database_url,
        "REDIS_URL": redis_url,
        "EMBEDDED_REDIS": not os.environ.get("YUQING_REDIS_URL"),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("YUQING_INSECURE_COOKIES") != "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": os.environ.get("YUQING_INSECURE_COOKIES") != "1",
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "zh_Hans_CN",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "LANGUAGES": ["zh_Hans_CN", "en"],
        "RATELIMIT_STORAGE_URI": redis_url.replace("unix://", "redis+unix://", 1)
        if redis_url.startswith("unix://")
        else redis_url,
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_RATE_LIMIT": os.environ.get("YUQING_LOGIN_RATE_LIMIT", "10 per minute"),
        "API_TITLE": "Yuqing API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "SMTP_HOST": os.environ.get("YUQING_SMTP_HOST", "127.0.0.1"),
        "SMTP_PORT": int(os.environ.get("YUQING_SMTP_PORT", "25")),
        "MAIL_FROM": os.environ.get("YUQING_MAIL_FROM", "yuqing@localhost"),
        "BASE_URL": os.environ.get("YUQING_BASE_URL", "http://127.0.0.1:5000"),
        # Jobs run inline only where a test asks for it; the product always uses workers.
        "RQ_IS_ASYNC": True,
    }
    config.update(overrides)
    return config
