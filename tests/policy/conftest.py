"""Fixtures for the policy-plugin tests: fake entry points, a tiny valid plugin to break in
various ways, and protection of the registry cache that the session's app also uses."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from yuqing.policy import registry
from yuqing.policy.base import PolicyPlugin, canonical_roles
from yuqing.policy.params import BaseParamsSchema, int_param
from yuqing.policy.rules import ApprovalRule, Grade
from yuqing.policy.tables import DeadlineTable, ParamHours, hours


@dataclass
class FakeEntryPoint:
    """Quacks like ``importlib.metadata.EntryPoint`` for a class defined in a test."""

    name: str
    target: object
    value: str = "tests.policy:fake"

    def load(self):
        if isinstance(self.target, Exception):
            raise self.target
        return self.target


class TinyParams(BaseParamsSchema):
    verify_hours = int_param(4, label_zh="核实时限", source="default", minimum=1, maximum=48)


class TinyPolicy(PolicyPlugin):
    """The smallest plugin that passes every check; tests subclass it to break one thing."""

    key = "tiny"
    name_zh = "最小示例"
    name_en = "Tiny"
    version = "1.0"
    description_zh = "测试用。"
    source = ("default",)
    ParamsSchema = TinyParams
    grades = (Grade("low", "一般", "Low", "S1"), Grade("high", "重大", "High", "S3"))
    roles = canonical_roles()
    approval_rules = (
        ApprovalRule(("low", "high"), ("holding_reply", "reply", "press_release"), ("office",)),
    )
    deadline_tables = (
        DeadlineTable(
            stage="verify",
            anchor="slip_received_at",
            actor_role="unit_handler",
            label_zh="核实",
            label_en="Verify",
            source="default",
            limits={"low": ParamHours("verify_hours"), "high": hours(1)},
        ),
    )


@pytest.fixture
def fake_installed(monkeypatch):
    """Replace the installed entry points with the given fakes; restore the cache after."""
    saved = registry._registry

    def install(*entry_points):
        monkeypatch.setattr(registry, "installed_entry_points", lambda: list(entry_points))
        registry.reset_registry()

    yield install
    registry._registry = saved


@pytest.fixture
def restore_registry():
    saved = registry._registry
    yield
    registry._registry = saved
