"""Run configuration: a dict with attribute access that persists its changes.

Every edit, nested ones included (`run.config.opt.lr = 0.1`, `run.config.layers.append(64)`),
is cleaned on the caller's thread: keys become `str` (as JSON would make them: `opt[1] = 2`
stores key "1", and `opt[1]` reads it back), values JSON-safe. The config then takes a plain
snapshot under its lock; the writer thread persists that snapshot and never walks the live dict.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ._values import scalar_or_none

__all__ = ["Config", "AttrDict", "config_dict", "config_snapshot"]


def _key(key: Any) -> str:
    return key if type(key) is str else str(key)


class AttrDict(dict):  # type: ignore[type-arg]
    """A nested config section: a dict that also allows `section.key`; edits are cleaned and saved with the run."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"config has no key {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self[name]
        except KeyError:
            raise AttributeError(f"config has no key {name!r}") from None

    def __missing__(self, key: Any) -> Any:
        if type(key) is not str:
            return self[str(key)]
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self, _key(key))

    def get(self, key: Any, default: Any = None) -> Any:
        return dict.get(self, _key(key), default)

    def __setitem__(self, key: Any, value: Any) -> None:
        with _Edit(self) as root:
            dict.__setitem__(self, _key(key), _clean(value, root))

    def __delitem__(self, key: Any) -> None:
        with _Edit(self):
            dict.__delitem__(self, _key(key))

    def update(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        with _Edit(self) as root:
            for k, v in dict(*args, **kwargs).items():
                dict.__setitem__(self, _key(k), _clean(v, root))

    def __ior__(self, other: Any) -> AttrDict:  # type: ignore[override,misc]
        self.update(other)
        return self

    def setdefault(self, key: Any, default: Any = None) -> Any:
        with _Edit(self) as root:
            return dict.setdefault(self, _key(key), _clean(default, root))

    def pop(self, key: Any, *default: Any) -> Any:
        with _Edit(self):
            return dict.pop(self, _key(key), *default)

    def popitem(self) -> tuple[str, Any]:
        with _Edit(self):
            return dict.popitem(self)

    def clear(self) -> None:
        with _Edit(self):
            dict.clear(self)

    def __reduce_ex__(self, protocol: Any) -> Any:  # copies and pickles are free-standing sections
        return (AttrDict, (dict(self),))


class _List(list):  # type: ignore[type-arg]
    """A list inside the config: its edits are cleaned and saved with the run like a section's."""

    def _set(self, op: Any, *args: Any) -> Any:
        with _Edit(self) as root:
            return op(self, *(_clean(a, root) for a in args))

    def append(self, value: Any) -> None:
        self._set(list.append, value)

    def extend(self, values: Iterable[Any]) -> None:
        self._set(list.extend, list(values))

    def insert(self, index: Any, value: Any) -> None:
        with _Edit(self) as root:
            list.insert(self, index, _clean(value, root))

    def __setitem__(self, index: Any, value: Any) -> None:
        with _Edit(self) as root:
            list.__setitem__(self, index, _clean(list(value) if isinstance(index, slice) else value, root))

    def __iadd__(self, values: Iterable[Any]) -> _List:  # type: ignore[override,misc]
        self.extend(values)
        return self

    def __imul__(self, n: Any) -> _List:  # type: ignore[override,misc]
        with _Edit(self):
            list.__imul__(self, n)
        return self

    def __delitem__(self, index: Any) -> None:
        with _Edit(self):
            list.__delitem__(self, index)

    def pop(self, index: Any = -1) -> Any:
        with _Edit(self):
            return list.pop(self, index)

    def remove(self, value: Any) -> None:
        with _Edit(self):
            list.remove(self, value)

    def clear(self) -> None:
        with _Edit(self):
            list.clear(self)

    def sort(self, *args: Any, **kwargs: Any) -> None:
        with _Edit(self):
            list.sort(self, *args, **kwargs)

    def reverse(self) -> None:
        with _Edit(self):
            list.reverse(self)

    def __reduce_ex__(self, protocol: Any) -> Any:  # copies and pickles are plain lists
        return (list, (list(self),))


class _Edit:
    """An edit of a section or list: under its config's lock, followed by a new snapshot."""

    __slots__ = ("root",)

    def __init__(self, container: Any) -> None:
        self.root: Config | None = container.__dict__.get("_root")

    def __enter__(self) -> Config | None:
        if self.root is not None:
            self.root._lock.acquire()
        return self.root

    def __exit__(self, *exc: Any) -> None:
        if self.root is not None:
            try:
                if exc[0] is None:
                    self.root._changed()
            finally:
                self.root._lock.release()


def _clean(value: Any, root: Config | None = None, _path: tuple[int, ...] = ()) -> Any:
    """JSON-safe copy of a config value: str keys, numpy scalars unwrapped, dicts as AttrDict.

    Sections and lists made for a config (`root`) report their later edits to it.
    """
    if isinstance(value, (Mapping, list, tuple)):
        if id(value) in _path:
            raise ValueError("config: a value contains itself (a circular reference), which cannot be stored")
        path = _path + (id(value),)
        if isinstance(value, Mapping):
            out: Any = AttrDict()
            for k, v in value.items():
                dict.__setitem__(out, _key(k), _clean(v, root, path))
        else:
            out = _List(_clean(v, root, path) for v in value)
        if root is not None:
            out.__dict__["_root"] = root
        return out
    if value is None or type(value) in (str, int, float, bool):
        return value
    item = scalar_or_none(value)
    if item is not None:
        return item
    for base in (bool, str, int, float):  # subclasses: IntEnum, numpy.float64, ...
        if isinstance(value, base):
            return base(value)
    tolist = getattr(value, "tolist", None)
    return _clean(tolist(), root, _path) if callable(tolist) else str(value)


def _config_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """A YAML config file as W&B reads one: its mapping, with `{value: x, desc: ...}` entries unwrapped."""
    import yaml

    try:
        with open(path, encoding="utf-8") as f:
            loaded = yaml.safe_load(f)
    except OSError as exc:
        raise ValueError(f"init: cannot read the config file {os.fspath(path)!r}: {exc}") from exc
    except yaml.YAMLError as exc:
        raise ValueError(f"init: the config file {os.fspath(path)!r} is not valid YAML: {exc}") from exc
    if not isinstance(loaded, Mapping):
        raise ValueError(f"init: the config file {os.fspath(path)!r} must hold a mapping of names to values")
    return {k: v["value"] if isinstance(v, Mapping) and "value" in v and set(v) <= {"value", "desc"} else v
            for k, v in loaded.items() if k not in ("wandb_version", "_wandb")}


def config_dict(source: Any, root: Config | None = None) -> dict[str, Any]:
    """Accept what W&B accepts for a config (a mapping, an argparse.Namespace, absl FLAGS, a YAML file's path)
    as a clean dict."""
    if source is None:
        return {}
    if isinstance(source, (str, os.PathLike)):
        source = _config_file(source)
    if type(source).__module__ == "absl.flags" or getattr(source, "__name__", None) == "absl.flags":
        source = source.FLAGS
    if type(source).__module__ == "absl.flags._flagvalues":  # absl (and TensorFlow) FLAGS: each flag's value
        source = {name: source[name].value for name in dir(source)}
    if isinstance(source, Mapping):
        items = source.items()
    elif hasattr(source, "__dict__"):
        items = vars(source).items()
    else:
        raise TypeError(f"init: config must be a dict or an argparse.Namespace, not {type(source).__name__}")
    return {_key(k): _clean(v, root) for k, v in items}


class Config:
    """`run.config`: item and attribute access, nested sections, `update()`; the writer saves any change."""

    __slots__ = ("_data", "_lock", "_snapshot")

    def __init__(self, data: Mapping[str, Any] | None = None) -> None:
        object.__setattr__(self, "_lock", threading.RLock())
        object.__setattr__(self, "_data", config_dict(data, self))
        object.__setattr__(self, "_snapshot", (0, _plain(self._data)))

    def _changed(self) -> None:
        """Take a new plain snapshot (the caller holds the lock): what the writer persists."""
        object.__setattr__(self, "_snapshot", (self._snapshot[0] + 1, _plain(self._data)))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return self._data[name]
        except KeyError:
            raise AttributeError(f"config has no key {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def __delattr__(self, name: str) -> None:
        del self[name]

    def __getitem__(self, key: Any) -> Any:
        return self._data[_key(key)]

    def __setitem__(self, key: Any, value: Any) -> None:
        with self._lock:
            self._data[_key(key)] = _clean(value, self)
            self._changed()

    def __delitem__(self, key: Any) -> None:
        with self._lock:
            del self._data[_key(key)]
            self._changed()

    def __contains__(self, key: object) -> bool:
        return _key(key) in self._data

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __eq__(self, other: object) -> bool:
        return self._data == (other._data if isinstance(other, Config) else other)

    def __repr__(self) -> str:
        return f"Config({self._data!r})"

    def keys(self) -> Any:
        return self._data.keys()

    def values(self) -> Any:
        return self._data.values()

    def items(self) -> Any:
        return self._data.items()

    def get(self, key: Any, default: Any = None) -> Any:
        return self._data.get(_key(key), default)

    def update(self, d: Any = None, allow_val_change: bool = True, **kwargs: Any) -> None:
        """Merge a mapping (or Namespace) and keyword values into the config."""
        with self._lock:
            self._data.update(config_dict(d, self))
            self._data.update(config_dict(kwargs, self))
            self._changed()

    def setdefaults(self, d: Mapping[str, Any]) -> None:
        """Set keys not already present (W&B's `config.setdefaults`)."""
        with self._lock:
            for k, v in config_dict(d, self).items():
                self._data.setdefault(k, v)
            self._changed()

    def as_dict(self) -> dict[str, Any]:
        """A plain (nested) dict copy, JSON-serialisable."""
        with self._lock:
            return _plain(self._data)


def config_snapshot(config: Config) -> tuple[int, dict[str, Any]]:
    """(version, plain copy) of the config as of its last edit; the copy is never changed afterwards."""
    return config._snapshot


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
