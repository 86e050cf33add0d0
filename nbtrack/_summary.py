"""Run summary: the last logged value per key unless the user sets one."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ._config import _clean

__all__ = ["Summary"]


class Summary:
    """`run.summary`: a dict of final values, written by `log` and by the user."""

    __slots__ = ("_data", "_version")

    def __init__(self, data: dict[str, Any] | None = None) -> None:
        object.__setattr__(self, "_data", dict(data or {}))
        object.__setattr__(self, "_version", 0)

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._data[str(key)] = _clean(value)
        object.__setattr__(self, "_version", self._version + 1)

    def __delitem__(self, key: str) -> None:
        del self._data[key]
        object.__setattr__(self, "_version", self._version + 1)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return self._data[name]
        except KeyError:
            raise AttributeError(f"summary has no key {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"Summary({self._data!r})"

    def __eq__(self, other: object) -> bool:
        return self._data == (other._data if isinstance(other, Summary) else other)

    def keys(self) -> Any:
        return self._data.keys()

    def items(self) -> Any:
        return self._data.items()

    def values(self) -> Any:
        return self._data.values()

    def get(self, key: str, default: Any = None) -> Any:
        return self._data.get(key, default)

    def update(self, d: dict[str, Any] | None = None, **kwargs: Any) -> None:
        """Set several summary values at once."""
        for k, v in {**(d or {}), **kwargs}.items():
            self[k] = v

    def as_dict(self) -> dict[str, Any]:
        """A plain dict copy."""
        return dict(self._data)
