"""Packing of metric points into compact chunk blobs (storage layer).

A chunk holds the points of one key of one run: steps and timestamps are
delta-encoded int64 (timestamps in milliseconds) and zlib-compressed, numeric
values are raw float64 (compressed only when that pays). Text and rich values
are a zlib-compressed JSON array. Nothing here executes stored data.
"""

from __future__ import annotations

import json
import math
import zlib
from array import array
from itertools import chain
from operator import sub
from collections.abc import Sequence
from typing import Any, NamedTuple

__all__ = ["Series", "encode_steps", "encode_times", "encode_values", "decode_points", "NUMERIC",
           "NUMERIC_Z", "JSON_KIND"]

NUMERIC = "f8"  # raw little-endian float64
NUMERIC_Z = "f8z"  # zlib-compressed float64
JSON_KIND = "json"  # zlib-compressed JSON array


class Series(NamedTuple):
    """The points of one metric key of one run, in the order they were logged."""

    steps: Any  # numpy int64 array
    times: Any  # numpy float64 array, unix seconds
    values: Any  # numpy float64 array, or object array for text/rich values


def _deltas(xs: Sequence[int]) -> bytes:
    """Delta-encode (first value absolute) as int64 and compress: regular steps shrink to almost nothing."""
    try:
        packed = array("q", map(sub, xs, chain((0,), xs)))
    except OverflowError:  # int64 values far apart: the deltas wrap around in int64, as the decoding cumsum does
        if min(xs) < -(2**63) or max(xs) >= 2**63:
            raise
        packed = array("q", [(d + 2**63) % 2**64 - 2**63 for d in map(sub, xs, chain((0,), xs))])
    return zlib.compress(packed.tobytes(), 1)


def _worth_compressing(raw: bytes) -> bool:
    """Whether zlib shrinks these float64 bytes by 10 %+, judged on a sample (noisy floats rarely do)."""
    sample = raw[:4096]
    return len(zlib.compress(sample, 1)) < 0.9 * len(sample)


def encode_steps(steps: Sequence[int]) -> bytes:
    """Steps as a compressed delta-encoded int64 blob."""
    return _deltas(steps)


def encode_times(times: Sequence[float]) -> bytes:
    """Unix timestamps (seconds) as a compressed delta-encoded int64 blob of milliseconds."""
    return _deltas(list(map(int, map((1000.0).__mul__, times))))


def encode_values(values: Sequence[Any]) -> tuple[str, bytes]:
    """(kind, blob): float64 (compressed when that pays), or a compressed JSON array for text/rich values."""
    try:
        raw = array("d", values).tobytes()
    except TypeError:
        payload = json.dumps([_jsonable(v) for v in values], allow_nan=True, separators=(",", ":"))
        return JSON_KIND, zlib.compress(payload.encode(), 1)
    if _worth_compressing(raw):
        packed = zlib.compress(raw, 1)
        if len(packed) < 0.9 * len(raw):
            return NUMERIC_Z, packed
    return NUMERIC, raw


def _jsonable(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return {"_type": "float", "value": repr(v)}
    return v


def _from_json(v: Any) -> Any:
    if isinstance(v, dict) and v.get("_type") == "float":
        return float(v["value"])
    return v


def decode_points(kind: str, steps_blob: bytes, times_blob: bytes, values_blob: bytes) -> Series:
    """Unpack one chunk into numpy arrays (the inverse of the encoders above)."""
    import numpy as np

    steps = np.cumsum(np.frombuffer(zlib.decompress(steps_blob), dtype="<i8"))
    times = np.cumsum(np.frombuffer(zlib.decompress(times_blob), dtype="<i8")) / 1000.0
    if kind == NUMERIC:
        values = np.frombuffer(values_blob, dtype="<f8")
    elif kind == NUMERIC_Z:
        values = np.frombuffer(zlib.decompress(values_blob), dtype="<f8")
    elif kind == JSON_KIND:
        items = json.loads(zlib.decompress(values_blob))
        values = np.empty(len(items), dtype=object)
        values[:] = [_from_json(v) for v in items]
    else:
        raise ValueError(f"unknown metric chunk kind {kind!r}")
    return Series(steps, times, values)
