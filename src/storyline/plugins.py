"""The one extension mechanism: each kind of component lives in a `Registry`, built-ins first, then what
installed packages declare as entry points in the registry's group.

A package adds a component by declaring it in its own pyproject.toml, for example

    [project.entry-points."storyline.embedders"]
    my-model = "my_package.embedding:MyEmbedder"

The six groups and what their entries load (see the README's "Plugins" section and `storyline plugins`):

    storyline.sources     a `SourceReader`: file suffixes, a sniffer and a reader of bytes (sources/files.py)
    storyline.extractors  a function (decoded text, RawDocument) -> fields, keyed by media type (extract/)
    storyline.ner         a function (text, lang) -> [(start, end, type)], a statistical NER (enrich/entities.py)
    storyline.embedders   a zero-argument callable returning an `Embedder` (enrich/embed.py)
    storyline.claims      a zero-argument callable returning a claim extractor (enrich/claims.py)
    storyline.exporters   an `ExportFormat` (export.py)

Entry points are loaded only when their name is first asked for, so a slow or broken plugin costs nothing
until used, and then fails with a `ConfigurationError` that names it. A built-in name is never replaced by a
plugin: `storyline plugins` lists such a plugin as shadowed.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Generic, TypeVar

from storyline.errors import ConfigurationError

T = TypeVar("T")

BUILTIN = "storyline"  # the provider of built-in entries


@dataclass(frozen=True)
class Registered:
    """One name in a registry, for listing: who provides it, and whether a built-in hides it."""

    group: str
    name: str
    provider: str  # "storyline", or the distribution and version of a plugin ("my-plugin 1.2")
    target: str  # what it loads: "module:attribute"
    shadowed: bool = False


class Registry(Generic[T]):
    """Named components of one kind. `get` finds a name among the built-ins, then among the entry points.

    >>> colours: Registry[str] = Registry("storyline.colours", "colour")
    >>> colours.register("red", "#f00")
    '#f00'
    >>> colours.get("red"), "red" in colours, colours.names()
    ('#f00', True, ['red'])
    >>> colours.get("blue")
    Traceback (most recent call last):
    ...
    storyline.errors.ConfigurationError: unknown colour 'blue'; known: red (plugins add more through the entry-point group 'storyline.colours')
    """

    def __init__(self, group: str, noun: str) -> None:
        self.group = group
        self.noun = noun  # what an error message calls one entry: "embedder", "export format"
        self._builtins: dict[str, T] = {}
        self._targets: dict[str, str] = {}
        self._loaded: dict[str, T] = {}
        self._found: tuple[tuple[str, ...], dict[str, EntryPoint]] | None = None
        self._lock = threading.Lock()

    def register(self, name: str, value: T, target: str = "") -> T:
        """Add a built-in (returns it, so a definition can register itself)."""
        self._builtins[name] = value
        self._targets[name] = target or _qualified_name(value)
        return value

    def _entry_points(self) -> dict[str, EntryPoint]:
        # Scanning the installed distributions takes milliseconds and readers ask for every file: scan again
        # only when the import path changed.
        path = tuple(sys.path)
        if self._found is None or self._found[0] != path:
            found: dict[str, EntryPoint] = {}
            for entry in entry_points(group=self.group):
                found.setdefault(entry.name, entry)  # the first installed wins, as importlib orders them
            self._found = (path, found)
        return self._found[1]

    def get(self, name: str) -> T:
        """The component registered as `name`; a plugin's is loaded (once) on first use."""
        if name in self._builtins:
            return self._builtins[name]
        with self._lock:
            if name in self._loaded:
                return self._loaded[name]
            entry = self._entry_points().get(name)
            if entry is None:
                raise ConfigurationError(
                    f"unknown {self.noun} {name!r}; known: {', '.join(self.names()) or 'none'}"
                    f" (plugins add more through the entry-point group {self.group!r})"
                )
            try:
                value: T = entry.load()
            except Exception as exc:  # a plugin's own import can fail in any way: say which plugin
                raise ConfigurationError(
                    f"the {self.noun} {name!r} from {_provider(entry)} ({entry.value}) could not be loaded: {exc}"
                ) from exc
            self._loaded[name] = value
            return value

    def __contains__(self, name: object) -> bool:
        return name in self._builtins or name in self._entry_points()

    def names(self) -> list[str]:
        """Every name `get` accepts: built-ins in registration order, then plugins sorted."""
        return [*self._builtins, *sorted(set(self._entry_points()) - set(self._builtins))]

    def builtins(self) -> Iterator[tuple[str, T]]:
        """The built-in entries, without loading any plugin."""
        yield from self._builtins.items()

    def plugins(self) -> Iterator[tuple[str, T]]:
        """Every plugin entry, loaded (plugins shadowed by a built-in are skipped)."""
        for name in sorted(set(self._entry_points()) - set(self._builtins)):
            yield name, self.get(name)

    def registered(self) -> list[Registered]:
        """What `storyline plugins` lists; loads nothing."""
        rows = [Registered(self.group, name, BUILTIN, self._targets[name]) for name in self._builtins]
        for name, entry in sorted(self._entry_points().items()):
            rows.append(Registered(self.group, name, _provider(entry), entry.value, name in self._builtins))
        return rows


def _provider(entry: EntryPoint) -> str:
    dist = entry.dist
    return f"{dist.name} {dist.version}" if dist is not None else "an unnamed distribution"


def _qualified_name(value: object) -> str:
    module, name = getattr(value, "__module__", None), getattr(value, "__qualname__", None)
    return f"{module}:{name}" if module and name else type(value).__qualname__
