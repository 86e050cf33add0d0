"""`nbtrack.Audio`: sound logged as a content-addressed file (W&B's `wandb.Audio`).

An array with a sample rate is encoded as 16-bit PCM WAV with the standard
library's `wave`; a file (WAV, FLAC, MP3, OGG) is stored byte for byte. The
stored value is tagged `{"_type": "audio-file"}`; it plays in an `<audio>`
element from a data: URI, which needs no script (so it also plays in a shared
notebook or an exported page).
"""

from __future__ import annotations

import io
import os
import wave
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ._media import _expect, _get, _put, _root_of

__all__ = ["Audio", "AUDIO_MIME"]

AUDIO_MIME = {"wav": "audio/wav", "flac": "audio/flac", "mp3": "audio/mpeg", "ogg": "audio/ogg"}


def encode_wav(samples: Any, sample_rate: int) -> bytes:
    """Float samples in [-1, 1] (or ints), shape (N,) or (N, channels), as 16-bit PCM WAV bytes."""
    import numpy as np

    if type(samples).__module__.split(".")[0] == "torch":
        samples = samples.detach().cpu().numpy()
    arr = np.asarray(samples)
    if arr.ndim == 2 and arr.shape[0] < arr.shape[1] and arr.shape[0] <= 8:
        arr = arr.T  # (channels, N) -> (N, channels)
    if arr.ndim not in (1, 2) or arr.shape[0] == 0:
        raise ValueError(f"nbtrack.Audio: expected samples of shape (N,) or (N, channels), got {arr.shape}")
    if arr.dtype.kind == "f":
        pcm = (np.clip(np.nan_to_num(arr.astype(np.float64)), -1.0, 1.0) * 32767).astype("<i2")
    elif arr.dtype.kind in "iu":
        pcm = np.clip(arr, -32768, 32767).astype("<i2")
    else:
        raise TypeError(f"nbtrack.Audio: unsupported sample dtype {arr.dtype}")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as out:
        out.setnchannels(1 if pcm.ndim == 1 else pcm.shape[1])
        out.setsampwidth(2)
        out.setframerate(int(sample_rate))
        out.writeframes(pcm.tobytes())
    return buf.getvalue()


def _wav_info(data: bytes) -> tuple[int, float]:
    with wave.open(io.BytesIO(data), "rb") as w:
        return w.getframerate(), w.getnframes() / float(w.getframerate())


class Audio:
    """Audio from a numpy array plus `sample_rate`, or from a WAV/FLAC/MP3/OGG file."""

    def __init__(self, data_or_path: Any, sample_rate: int | None = None, caption: str | None = None) -> None:
        self.caption = None if caption is None else str(caption)
        if isinstance(data_or_path, (str, os.PathLike)):
            path = Path(data_or_path)
            fmt = path.suffix.lower().lstrip(".")
            if fmt not in AUDIO_MIME:
                raise ValueError(f"nbtrack.Audio: {path.name}: expected a .wav, .flac, .mp3 or .ogg file")
            self._data = path.read_bytes()
            self.format = fmt
        else:
            if sample_rate is None:
                raise ValueError("nbtrack.Audio: an array needs sample_rate= (samples per second)")
            self._data = encode_wav(data_or_path, int(sample_rate))
            self.format = "wav"
        self.sample_rate, self.duration = sample_rate, None
        if self.format == "wav":
            try:
                self.sample_rate, self.duration = _wav_info(self._data)
            except (wave.Error, EOFError) as exc:
                raise ValueError(f"nbtrack.Audio: not a readable WAV file ({exc})") from exc

    def data(self) -> bytes:
        """The encoded file."""
        return self._data

    @property
    def mime(self) -> str:
        """The MIME type an `<audio>` element plays it as."""
        return AUDIO_MIME[self.format]

    def _nbtrack_json(self, run: Any, key: str) -> dict[str, Any]:
        ref = _put(_root_of(run), "audio", self._data, "." + self.format)
        out = {"_type": "audio-file", **ref, "format": self.format, "sample_rate": self.sample_rate,
               "duration": self.duration}
        if self.caption is not None:
            out["caption"] = self.caption
        return out

    @classmethod
    def from_json(cls, value: Mapping[str, Any], *, store: Any = None) -> Audio:
        """The audio a stored `audio-file` value refers to."""
        _expect(value, "audio-file")
        audio = cls.__new__(cls)
        audio._data = _get(_root_of(None, store), value)
        audio.format = str(value.get("format", "wav"))
        if audio.format not in AUDIO_MIME:
            raise ValueError(f"nbtrack.Audio: unknown stored audio format {audio.format!r}")
        audio.sample_rate, audio.duration = value.get("sample_rate"), value.get("duration")
        audio.caption = value.get("caption")
        return audio

    def __repr__(self) -> str:
        length = f" {self.duration:.2f}s" if self.duration is not None else ""
        return f"<nbtrack.Audio {self.format}{length} {self.sample_rate or '?'} Hz>"
