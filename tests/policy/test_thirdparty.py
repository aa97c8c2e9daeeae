"""A plugin shipped as its own distribution is found through its entry point.

The distribution in ``thirdparty_plugin/`` is installed with pip into a temporary
``--target`` directory (offline, no build isolation), so the project's venv is untouched.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from yuqing.policy import registry

SOURCE = Path(__file__).parent / "thirdparty_plugin"


@pytest.fixture(scope="module")
def installed_target(tmp_path_factory):
    work = tmp_path_factory.mktemp("thirdparty")
    source = work / "src"
    # Build from a copy: pip may write build artefacts next to the sources.
    shutil.copytree(SOURCE, source, ignore=shutil.ignore_patterns("__pycache__"))
    target = work / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--target",
            str(target),
            str(source),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return target


@pytest.fixture
def forget_example_module():
    yield
    # The module came from a temporary directory that is about to disappear.
    sys.modules.pop("yuqing_policy_example", None)


def test_thirdparty_plugin_registers_through_its_entry_point(
    installed_target, monkeypatch, restore_registry, forget_example_module
):
    [dist] = list(metadata.distributions(path=[str(installed_target)]))
    assert dist.metadata["Name"] == "yuqing-policy-example"
    [ep] = [ep for ep in dist.entry_points if ep.group == "yuqing.policies"]
    assert ep.name == "example-community"

    monkeypatch.syspath_prepend(str(installed_target))
    # The real discovery path: importlib.metadata over sys.path, as at start-up.
    names = {ep.name for ep in registry.installed_entry_points()}
    assert {"example-community", "school"} <= names

    loaded = registry.validate_installed_plugins()
    plugin = registry.get_plugin("example-community")
    assert loaded["example-community"] is plugin
    assert type(plugin).__module__ == "yuqing_policy_example"
    assert plugin.grade_for({"views": 900}).code == "serious"
    assert plugin.grade_for({"views": 10}).code == "routine"
    assert plugin.approval_roles("serious", "press_release") == ("leader", "street_office")
    [verify] = [r for r in plugin.deadline_rules("routine", None) if r.stage == "verify"]
    assert verify.within.delta.total_seconds() == 6 * 3600
