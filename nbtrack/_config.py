"""Run configuration: a dict with attribute access that persists its changes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ._values import scalar_or_none

__all__ = ["Config", "AttrDict", "config_dict"]


class AttrDict(dict):  # type: ignore[type-arg]
    """A nested config section: a plain dict that also allows `section.key`."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"config has no key {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value


def _clean(value: Any) -> Any:
    """JSON-safe copy of a config value: numpy scalars unwrapped, dicts as AttrDict."""
    if isinstance(value, Mapping):
        return AttrDict({str(k): _clean(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if value is None or type(value) in (str, int, float, bool):
        return value
    item = scalar_or_none(value)
    if item is not None:
        return item
    for base in (bool, str, int, float):  # subclasses: IntEnum, numpy.float64, ...
        if isinstance(value, base):
            return base(value)
    tolist = getattr(value, "tolist", None)
    return _clean(tolist()) if callable(tolist) else str(value)


def config_dict(source: Any) -> dict[str, Any]:
    """Accept what W&B accepts for a config (a mapping or an argparse.Namespace) as a clean dict."""
    if source is None:
        return {}
    if isinstance(source, Mapping):
        items = source.items()
    elif hasattr(source, "__dict__"):
        items = vars(source).items()
    else:
        raise TypeError(f"init: config must be a dict or an argparse.Namespace, not {type(source).__name__}")
    return {str(k): _clean(v) for k, v in items}


class Config:
    """`run.config`: item and attribute access, nested sections, `update()`; the writer saves any change."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any] | None = None) -> None:
        object.__setattr__(self, "_data", config_dict(data))

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

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._data[str(key)] = _clean(value)

    def __delitem__(self, key: str) -> None:
        del self._data[key]

    def __contains__(self, key: object) -> bool:
        return key in self._data

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

    def get(self, key: str, default: Any = None) -> Any:
        return self._data.get(key, default)

    def update(self, d: Any = None, allow_val_change: bool = True, **kwargs: Any) -> None:
        """Merge a mapping (or Namespace) and keyword values into the config."""
        self._data.update(config_dict(d))
        self._data.update(config_dict(kwargs))

    def setdefaults(self, d: Mapping[str, Any]) -> None:
        """Set keys not already present (W&B's `config.setdefaults`)."""
        for k, v in config_dict(d).items():
            self._data.setdefault(k, v)

    def as_dict(self) -> dict[str, Any]:
        """A plain (nested) dict copy, JSON-serialisable."""
        return _plain(self._data)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
