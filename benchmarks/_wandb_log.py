"""Read the history of a W&B offline run (`run-ID.wandb`) into rows, without a server.

Recent wandb releases no longer ship a Python reader for their transaction log
(the Go `wandb-core` writes and syncs it), so this follows the documented
LevelDB-log framing: a 7-byte file header (b":W&B", 0xBEE1, version), then
32 KiB blocks of records, each with a 7-byte header (crc32, length, type) and
a fragment of one serialized `wandb_internal_pb2.Record`.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["find_run_file", "history_rows"]

_FILE_HEADER = struct.Struct("<4sHB")
_RECORD_HEADER = struct.Struct("<IHB")
_BLOCK = 32768
_FULL, _FIRST, _MIDDLE, _LAST = 1, 2, 3, 4


def find_run_file(root: str | Path, run_id: str) -> Path:
    """The `.wandb` transaction log of run `run_id` under a `dir=` root."""
    found = sorted(Path(root).glob(f"**/run-{run_id}.wandb"))
    if not found:
        raise FileNotFoundError(f"no run-{run_id}.wandb under {root}")
    return found[-1]


def _records(data: bytes) -> Iterator[bytes]:
    ident, magic, _version = _FILE_HEADER.unpack_from(data, 0)
    if ident != b":W&B" or magic != 0xBEE1:
        raise ValueError("not a W&B transaction log")
    pos, end, parts = _FILE_HEADER.size, len(data), []
    while pos + _RECORD_HEADER.size <= end:
        left = _BLOCK - pos % _BLOCK
        if left < _RECORD_HEADER.size:  # block trailer padding
            pos += left
            continue
        _crc, length, kind = _RECORD_HEADER.unpack_from(data, pos)
        pos += _RECORD_HEADER.size
        if kind == 0:  # zero-filled rest of a block
            pos += left - _RECORD_HEADER.size
            continue
        chunk = data[pos : pos + length]
        pos += length
        if kind == _FULL:
            yield chunk
        elif kind == _FIRST:
            parts = [chunk]
        elif kind == _MIDDLE:
            parts.append(chunk)
        elif kind == _LAST:
            parts.append(chunk)
            yield b"".join(parts)


def history_rows(path: str | Path) -> list[dict[str, Any]]:
    """One dict per logged step (`_step`, `_timestamp`, `_runtime` and the user's keys)."""
    from wandb.proto import wandb_internal_pb2 as pb

    rows = []
    record = pb.Record()
    for raw in _records(Path(path).read_bytes()):
        record.ParseFromString(raw)
        if record.WhichOneof("record_type") != "history":
            continue
        row = {}
        for item in record.history.item:
            key = item.key or "/".join(item.nested_key)
            row[key] = json.loads(item.value_json)
        rows.append(row)
    return rows
