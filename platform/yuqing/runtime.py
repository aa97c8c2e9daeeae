"""The embedded default's Redis: a child process on a unix socket in the instance folder."""

from __future__ import annotations

import atexit
import shutil
import subprocess
import time
from pathlib import Path

import redis


class EmbeddedRedisError(RuntimeError):
    pass


def _answers(socket_path: Path) -> bool:
    try:
        return redis.Redis(unix_socket_path=str(socket_path), socket_timeout=0.5).ping()
    except (redis.RedisError, OSError):
        return False


def ensure_embedded_redis(socket_path: Path) -> subprocess.Popen | None:
    """Start ``redis-server`` on ``socket_path`` unless one already answers there.

    Answers the child it started (stopped again when this process exits), or ``None`` when a
    server was already running, e.g. the one ``yuqing demo`` started for its web and workers.
    """
    if _answers(socket_path):
        return None
    binary = shutil.which("redis-server")
    if binary is None:
        raise EmbeddedRedisError(
            "redis-server 未安装：请运行 make setup，或设置 YUQING_REDIS_URL 指向已有的 Redis。"
        )
    socket_path.parent.mkdir(parents=True, exist_ok=True)
    socket_path.unlink(missing_ok=True)
    child = subprocess.Popen(
        [
            binary,
            "--port",
            "0",
            "--unixsocket",
            str(socket_path),
            "--unixsocketperm",
            "700",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(socket_path.parent),
            "--loglevel",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while not _answers(socket_path):
        if child.poll() is not None or time.monotonic() > deadline:
            child.kill()
            raise EmbeddedRedisError(f"内置 Redis 未能启动（{socket_path}）。")
        time.sleep(0.05)
    atexit.register(stop_child, child)
    return child


def stop_child(child: subprocess.Popen) -> None:
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(timeout=5)
        except subprocess.TimeoutExpired:
            child.kill()
