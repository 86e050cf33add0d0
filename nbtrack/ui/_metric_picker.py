"""The dashboard's metric picker: every metric as a chip, grouped by prefix, ticked ones charted.

An anywidget rather than a TagsInput: every metric is visible without a click, and its filter box
keeps its keystrokes (Jupyter's command-mode shortcuts do not fire while typing in it).
"""

from __future__ import annotations

from pathlib import Path

import anywidget
import traitlets

__all__ = ["MetricPicker"]


class MetricPicker(anywidget.AnyWidget):
    """Chips for `allowed_tags` (grouped by the prefix before '/'); `value` holds the ticked keys in order."""

    _esm = Path(__file__).with_name("metric_picker.js")
    _css = Path(__file__).with_name("metric_picker.css")

    allowed_tags = traitlets.List(traitlets.Unicode(), help="Every metric key that can be charted.").tag(sync=True)
    value = traitlets.List(traitlets.Unicode(), help="The charted keys, in panel order.").tag(sync=True)

    @traitlets.validate("value")
    def _known(self, proposal: traitlets.Bunch) -> list[str]:
        """Keep only offered keys, once each, in the offered order."""
        chosen = set(proposal["value"])
        return [key for key in self.allowed_tags if key in chosen]
