"""Run and sweep identifiers and W&B-style readable run names."""

from __future__ import annotations

import os
import string

__all__ = ["new_id", "run_name"]

_ADJECTIVES = (
    "amber", "brisk", "calm", "daring", "eager", "fancy", "gentle", "hardy", "icy", "jolly", "keen",
    "lively", "misty", "noble", "olive", "proud", "quiet", "rapid", "silent", "tidy", "upbeat",
    "vivid", "wise", "young", "zesty",
)
_NOUNS = (
    "aurora", "breeze", "canyon", "dawn", "ember", "forest", "glade", "harbor", "island", "jungle",
    "lake", "meadow", "nebula", "ocean", "pine", "quartz", "river", "sky", "thunder", "valley",
    "wave", "zephyr", "comet", "field", "moon",
)
_ID_ALPHABET = string.ascii_lowercase + string.digits


def new_id() -> str:
    """An 8-character random id, as W&B's."""
    return "".join(_ID_ALPHABET[b % 36] for b in os.urandom(8))


def run_name(number: int) -> str:
    """A readable name such as `calm-river-7` (the number is the run's position in its project)."""
    a, n = os.urandom(2)
    return f"{_ADJECTIVES[a % len(_ADJECTIVES)]}-{_NOUNS[n % len(_NOUNS)]}-{number}"
