"""Discovery, validation and lookup of installed policy plugins (entry-point group
``yuqing.policies``).

The host calls :func:`validate_installed_plugins` at start-up: every installed plugin is
loaded and checked, and one broken plugin stops the platform with a message naming the plugin,
its entry point and each fault (Indico does the same). Afterwards :func:`get_plugin` and
:func:`all_plugins` serve the validated instances from a module-level cache.
"""

from __future__ import annotations

from importlib import metadata

from yuqing.errors import NotFound
from yuqing.policy.base import PolicyPlugin
from yuqing.policy.conformance import check_plugin

GROUP = "yuqing.policies"

_registry: dict[str, PolicyPlugin] | None = None

__all__ = [
    "GROUP",
    "PluginError",
    "UnknownPlugin",
    "all_plugins",
    "check_plugin",
    "get_plugin",
    "installed_entry_points",
    "load_entry_point",
    "load_plugins",
    "reset_registry",
    "validate_installed_plugins",
]


class PluginError(Exception):
    """One or more installed plugins are broken; the platform must not start.

    ``faults`` maps each offending entry point (``name = module:Class``) to its problems.
    """

    def __init__(self, faults: dict[str, list[str]]) -> None:
        self.faults = faults
        lines = ["策略插件校验失败，平台拒绝启动 (policy plugin validation failed):"]
        for where, problems in faults.items():
            lines.append(f"- 插件 {where}：")
            lines.extend(f"    · {problem}" for problem in problems)
        super().__init__("\n".join(lines))


class UnknownPlugin(NotFound):
    pass


def installed_entry_points() -> list:
    """The entry points of group ``yuqing.policies`` visible on ``sys.path``."""
    return sorted(metadata.entry_points(group=GROUP), key=lambda ep: ep.name)


def describe_entry_point(ep) -> str:
    return f"{ep.name} = {ep.value}"


def load_entry_point(ep) -> tuple[type | None, list[str]]:
    """Import one entry point and check its class: ``(class or None, problems)``."""
    try:
        plugin_cls = ep.load()
    except Exception as exc:  # a third-party import may fail in any way
        return None, [f"无法导入：{type(exc).__name__}: {exc}"]
    problems = check_plugin(plugin_cls)
    key = getattr(plugin_cls, "key", None)
    if not problems and key != ep.name:
        problems.append(f"入口点名称 {ep.name!r} 与插件键 key={key!r} 不一致。")
    return plugin_cls, problems


def load_plugins(entry_points=None) -> dict[str, PolicyPlugin]:
    """Load and validate every plugin; raise :class:`PluginError` listing all faults."""
    if entry_points is None:
        entry_points = installed_entry_points()
    plugins: dict[str, PolicyPlugin] = {}
    faults: dict[str, list[str]] = {}
    for ep in entry_points:
        plugin_cls, problems = load_entry_point(ep)
        where = describe_entry_point(ep)
        if plugin_cls is not None and not problems and plugin_cls.key in plugins:
            other = plugins[plugin_cls.key]
            problems = [f"插件键 {plugin_cls.key!r} 与 {type(other).__module__} 中的插件重复。"]
        if problems:
            faults[where] = problems
            continue
        plugins[plugin_cls.key] = plugin_cls()
    if faults:
        raise PluginError(faults)
    return plugins


def validate_installed_plugins() -> dict[str, PolicyPlugin]:
    """Start-up check for the app factory: (re)load the registry or raise PluginError."""
    global _registry
    _registry = None
    _registry = load_plugins()
    return dict(_registry)


def _loaded() -> dict[str, PolicyPlugin]:
    global _registry
    if _registry is None:
        _registry = load_plugins()
    return _registry


def get_plugin(key: str) -> PolicyPlugin:
    try:
        return _loaded()[key]
    except KeyError:
        known = "、".join(sorted(_loaded())) or "无"
        raise UnknownPlugin(
            f"未找到策略插件 {key!r}（已安装：{known}）。",
            f"No policy plugin {key!r} is installed.",
            key=key,
        ) from None


def all_plugins() -> list[PolicyPlugin]:
    """The validated plugins, sorted by key."""
    registry = _loaded()
    return [registry[key] for key in sorted(registry)]


def reset_registry() -> None:
    """Forget the cache (tests; after installing a plugin distribution)."""
    global _registry
    _registry = None
