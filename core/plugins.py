"""The plugin manager: loads built-in and third-party plugins from the ``learnwire``
entry-point group, honours the allow-list, rejects misspelt hooks and isolates failures.

A plugin that fails to import, implements an unknown hook, raises from a hook or returns
something outside the hook's contract is logged with its name, unregistered and listed as
disabled with the reason; the host keeps running.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

import pluggy

from . import hookspecs
from .config import Settings

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "learnwire"


@dataclass
class PluginInfo:
    """What ``learnwire plugins list`` shows about one plugin."""

    name: str
    origin: str
    module: str
    hooks: list[str] = field(default_factory=list)
    status: str = "loaded"  # loaded | disabled | skipped
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "origin": self.origin,
            "module": self.module,
            "hooks": self.hooks,
            "status": self.status,
            "reason": self.reason,
        }


class LearnwirePluginManager(pluggy.PluginManager):
    """A pluggy manager that remembers where each plugin came from and why one is off."""

    def __init__(self, settings: Settings) -> None:
        super().__init__("learnwire")
        self.settings = settings
        self.add_hookspecs(hookspecs)
        self.infos: dict[str, PluginInfo] = {}

    # -- loading -------------------------------------------------------------------------

    def load_entry_points(self, entry_points: Iterable[metadata.EntryPoint] | None = None) -> None:
        allow = self.settings.plugins_allow
        eps = entry_points if entry_points is not None else _learnwire_entry_points()
        for ep in sorted(eps, key=lambda e: e.name):
            origin = _origin(ep)
            if ep.name in self.infos:
                continue
            if allow is not None and ep.name not in allow:
                self.infos[ep.name] = PluginInfo(
                    ep.name,
                    origin,
                    ep.value,
                    status="skipped",
                    reason="not in LEARNWIRE_PLUGINS_ALLOW",
                )
                continue
            try:
                plugin = ep.load()
            except Exception as exc:  # any import-time failure must not stop the host
                self._disable_info(ep.name, origin, ep.value, f"failed to import: {exc!r}")
                continue
            self.add_plugin(plugin, name=ep.name, origin=origin)

    def add_plugin(self, plugin: object, *, name: str, origin: str = "registered") -> bool:
        """Register ``plugin``; returns False (and records why) when it is rejected."""
        module = getattr(plugin, "__name__", type(plugin).__name__)
        unknown = _unknown_hooks(self, plugin)
        if unknown:
            hints = [_suggest(h) for h in unknown]
            self._disable_info(name, origin, module, "unknown hook " + "; ".join(hints))
            return False
        try:
            self.register(plugin, name=name)
        except (pluggy.PluginValidationError, ValueError) as exc:
            self._disable_info(name, origin, module, f"invalid plugin: {exc}")
            return False
        hooks = sorted(caller.name for caller in self.get_hookcallers(plugin) or [])
        self.infos[name] = PluginInfo(name, origin, module, hooks)
        return True

    def disable(self, name: str, reason: str) -> None:
        plugin = self.get_plugin(name)
        if plugin is not None:
            self.unregister(plugin)
        info = self.infos.get(name) or PluginInfo(name, "registered", "?")
        info.status, info.reason = "disabled", reason
        self.infos[name] = info
        log.error("plugin %s disabled: %s", name, reason)

    def _disable_info(self, name: str, origin: str, module: str, reason: str) -> None:
        self.infos[name] = PluginInfo(name, origin, module, status="disabled", reason=reason)
        log.error("plugin %s disabled: %s", name, reason)

    # -- calling -------------------------------------------------------------------------

    def collect(self, hook_name: str, *, expect: type | None = None, **kwargs: Any) -> list[Any]:
        """Call a ``register_*`` hook plugin by plugin and concatenate the lists.

        A plugin that raises, or returns something other than a list of ``expect``, is
        disabled and left out; the others still count.
        """
        results: list[Any] = []
        for impl in list(getattr(self.hook, hook_name).get_hookimpls()):
            name = self.get_name(impl.plugin) or "?"
            args = {k: kwargs[k] for k in impl.argnames if k in kwargs}
            try:
                value = impl.function(**args)
            except Exception as exc:  # isolate: one broken plugin must not break the host
                self.disable(name, f"{hook_name} raised {exc!r}")
                continue
            if value is None:
                continue
            problem = _contract_problem(value, expect)
            if problem:
                self.disable(name, f"{hook_name} returned {problem}")
                continue
            results.extend(value)
        return results

    def first(self, hook_name: str, *, expect: type | None = None, **kwargs: Any) -> Any:
        """Call a ``firstresult`` hook plugin by plugin, in pluggy's order; the first result
        that is not None (and is an ``expect``) wins. A plugin that raises or returns the
        wrong type is disabled and the next one is asked; None when no plugin answers."""
        for impl in reversed(list(getattr(self.hook, hook_name).get_hookimpls())):
            name = self.get_name(impl.plugin) or "?"
            args = {k: kwargs[k] for k in impl.argnames if k in kwargs}
            try:
                value = impl.function(**args)
            except Exception as exc:  # isolate, as collect() does; the caller decides
                self.disable(name, f"{hook_name} raised {exc!r}")
                continue
            if value is None:
                continue
            if expect is not None and not isinstance(value, expect):
                self.disable(
                    name, f"{hook_name} returned {type(value).__name__}, expected {expect.__name__}"
                )
                continue
            return value
        return None

    def call_each(self, hook_name: str, **kwargs: Any) -> None:
        """Call a hook whose implementations act rather than return (e.g. register_commands)."""
        for impl in list(getattr(self.hook, hook_name).get_hookimpls()):
            name = self.get_name(impl.plugin) or "?"
            args = {k: kwargs[k] for k in impl.argnames if k in kwargs}
            try:
                impl.function(**args)
            except Exception as exc:
                self.disable(name, f"{hook_name} raised {exc!r}")

    def plugin_list(self) -> list[PluginInfo]:
        return sorted(self.infos.values(), key=lambda i: (i.status != "loaded", i.name))


def get_plugin_manager(
    settings: Settings,
    *,
    load_entry_points: bool = True,
    extra_plugins: Iterable[tuple[str, object]] = (),
) -> LearnwirePluginManager:
    """A fresh plugin manager: entry-point plugins (unless disabled) plus ``extra_plugins``."""
    pm = LearnwirePluginManager(settings)
    if load_entry_points:
        pm.load_entry_points()
    for name, plugin in extra_plugins:
        pm.add_plugin(plugin, name=name)
    return pm


def _learnwire_entry_points() -> list[metadata.EntryPoint]:
    return list(metadata.entry_points(group=ENTRY_POINT_GROUP))


def _origin(ep: metadata.EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    if dist is None:
        return "entry point"
    return f"entry point of {dist.metadata['Name']} {dist.version}"


def _unknown_hooks(pm: pluggy.PluginManager, plugin: object) -> list[str]:
    names = []
    for attr in dir(plugin):
        opts = pm.parse_hookimpl_opts(plugin, attr)
        if opts is None:
            continue
        hook_name = opts.get("specname") or attr
        if hook_name not in hookspecs.HOOK_NAMES:
            names.append(hook_name)
    return names


def _suggest(name: str) -> str:
    close = difflib.get_close_matches(name, hookspecs.HOOK_NAMES, n=1)
    return f"'{name}' (did you mean '{close[0]}'?)" if close else f"'{name}'"


def _contract_problem(value: Any, expect: type | None) -> str:
    if not isinstance(value, list):
        return f"{type(value).__name__}, expected a list"
    if expect is not None:
        for item in value:
            if not isinstance(item, expect):
                return f"a {type(item).__name__} in its list, expected {expect.__name__}"
    return ""
