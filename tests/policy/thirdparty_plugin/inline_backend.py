"""A minimal PEP 517 build backend: packs ``yuqing_policy_example`` into a pure wheel.

Only the test uses it, so that ``pip install --no-build-isolation --no-index`` works on a
machine without the ``wheel`` package. Metadata comes from ``pyproject.toml``.
"""

from __future__ import annotations

import base64
import hashlib
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
PACKAGE = "yuqing_policy_example"


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def get_requires_for_build_wheel(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    project = _project()
    dist = project["name"].replace("-", "_")
    version = project["version"]
    dist_info = f"{dist}-{version}.dist-info"
    files: dict[str, bytes] = {}
    for path in sorted((ROOT / PACKAGE).rglob("*.py")):
        files[path.relative_to(ROOT).as_posix()] = path.read_bytes()
    files[f"{dist_info}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {version}\n"
        f"Summary: {project.get('description', '')}\n"
    ).encode()
    files[f"{dist_info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: inline_backend\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    entry_points = ""
    for group, points in project.get("entry-points", {}).items():
        entry_points += f"[{group}]\n" + "".join(f"{k} = {v}\n" for k, v in points.items())
    files[f"{dist_info}/entry_points.txt"] = entry_points.encode()
    record = [_record_line(name, data) for name, data in files.items()]
    record.append(f"{dist_info}/RECORD,,")
    files[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()

    wheel_name = f"{dist}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(Path(wheel_directory) / wheel_name, "w") as wheel:
        for name, data in files.items():
            wheel.writestr(name, data)
    return wheel_name
