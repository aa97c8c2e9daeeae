"""Host side of the policy-plugin model (ARCHITECTURE §3): the contract, the registry and
the ``yuqing plugins`` commands. Plugins themselves live in ``policy_plugins/`` or in their
own distributions, registered under the entry-point group ``yuqing.policies``."""

from yuqing.policy.base import PolicyLookupError, PolicyPlugin
from yuqing.policy.registry import (
    PluginError,
    UnknownPlugin,
    all_plugins,
    get_plugin,
    validate_installed_plugins,
)

__all__ = [
    "PluginError",
    "PolicyLookupError",
    "PolicyPlugin",
    "UnknownPlugin",
    "all_plugins",
    "get_plugin",
    "validate_installed_plugins",
]
