"""Reading the container of a W&B transaction log (`run-<id>.wandb`): the raw record payloads.

The file is a 7-byte header (`:W&B`, magic 0xBEE1 little-endian, version 0) followed by
LevelDB-log-style blocks of 32 KiB. Each block holds records of a 7-byte header (CRC-32 of the
type byte and the data, little-endian uint32; data length, uint16; type: 1 full, 2 first,
3 middle, 4 last) and the data; a payload longer than what is left of a block is split into
first/middle/last pieces, and a block tail shorter than a header is zero padding. Each payload
is one serialized `wandb.proto.wandb_internal_pb2.Record`.

wandb's Python SDK no longer ships a reader for this file (its `DataStore` went with the move
to `wandb-core`), so this small one follows the format. A torn tail (a run killed mid-write)
ends the scan; `LogScan.problem` says so.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

__all__ = ["LogScan", "scan_records"]

_FILE_HEADER = struct.Struct("<4sHB")
_RECORD_HEADER = struct.Struct("<IHB")
_IDENT, _MAGIC, _VERSION = b":W&B", 0xBEE1, 0
_BLOCK = 32768
_FULL, _FIRST, _MIDDLE, _LAST = 1, 2, 3, 4


class LogScan:
    """Iterates a transaction log's payloads; afterwards `problem` tells why it stopped early, if it did."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.problem: str | None = None

    def __iter__(self) -> Iterator[bytes]:
        data = self.path.read_bytes()
        if len(data) < _FILE_HEADER.size:
            self.problem = "file shorter than its header"
            return
        ident, magic, version = _FILE_HEADER.unpack_from(data, 0)
        if ident != _IDENT or magic != _MAGIC:
            raise ValueError(f"{self.path} is not a W&B transaction log (bad header)")
        if version != _VERSION:
            raise ValueError(f"{self.path}: W&B transaction log version {version} is not supported (only {_VERSION})")
        pos = _FILE_HEADER.size
        pending: bytearray | None = None
        size = len(data)
        while pos < size:
            left = _BLOCK - pos % _BLOCK
            if left < _RECORD_HEADER.size:  # zero padding at a block's end
                pos += left
                continue
            if size - pos < _RECORD_HEADER.size:
                self.problem = f"torn record header at byte {pos}"
                return
            checksum, length, kind = _RECORD_HEADER.unpack_from(data, pos)
            start = pos + _RECORD_HEADER.size
            piece = data[start:start + length]
            if len(piece) < length:
                self.problem = f"torn record at byte {pos}"
                return
            if checksum != zlib.crc32(piece, zlib.crc32(bytes([kind]))) & 0xFFFFFFFF:
                if kind == 0 and length == 0 and checksum == 0:  # zeros: preallocated, never written
                    return
                self.problem = f"bad checksum at byte {pos}"
                return
            pos = start + length
            if kind == _FULL:
                pending = None
                yield piece
            elif kind == _FIRST:
                pending = bytearray(piece)
            elif kind in (_MIDDLE, _LAST) and pending is not None:
                pending += piece
                if kind == _LAST:
                    yield bytes(pending)
                    pending = None
            else:
                self.problem = f"unexpected record type {kind} at byte {pos}"
                return
        if pending is not None:
            self.problem = "the last record is incomplete"


def scan_records(path: str | Path) -> Iterator[bytes]:
    """The payloads of a W&B transaction log, in order (stops quietly at a torn tail)."""
    return iter(LogScan(path))
