"""The dashboard's metric panels in sections: one collapsible section per key prefix (W&B's workspace).

Each section is an Accordion (its title: the prefix and its panel count) around one chart of its
keys. A section's chart widget is kept while the section exists, so a redraw sends one figure
message per section; the user's open/closed choice is kept across redraws and in the snapshot.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as widgets
import plotly.graph_objects as go

from ._sections import section_label
from .plotly_view import PlotlyView

__all__ = ["CurveSections"]


class CurveSections(widgets.VBox):
    """Sections of metric charts; `show({group: (figure, panels)})` draws them in the order given."""

    def __init__(self, *, on_toggle: Callable[[Any], None] | None = None) -> None:
        super().__init__()
        self._on_toggle = on_toggle  # called when the user opens or closes a section
        self.add_class("nbtrack-curve-sections")
        self.views: dict[str, PlotlyView] = {}  # each section's chart, by key group
        self._boxes: dict[str, widgets.Accordion] = {}
        self._panels: dict[str, int] = {}

    def show(self, sections: Mapping[str, tuple[go.Figure, int]]) -> None:
        """Draw each group's figure in its section (made when first needed); sections no longer given go."""
        for group in [g for g in self._boxes if g not in sections]:
            self._boxes.pop(group).close()
            self.views.pop(group).close()
            self._panels.pop(group)
        for group, (fig, panels) in sections.items():
            if group not in self._boxes:
                self.views[group] = PlotlyView()
                self._boxes[group] = widgets.Accordion([self.views[group]], selected_index=0)
                if self._on_toggle is not None:
                    self._boxes[group].observe(self._on_toggle, "selected_index")
            self.views[group].show(fig)
            self._panels[group] = panels
            label = section_label(group, panels)
            if self._boxes[group].titles != (label,):
                self._boxes[group].titles = (label,)
        boxes = tuple(self._boxes[g] for g in sections)
        if self.children != boxes:
            self.children = boxes

    def is_open(self, group: str) -> bool:
        """Whether the user left the group's section open."""
        return self._boxes[group].selected_index == 0

    def collapse(self, group: str, collapsed: bool = True) -> None:
        """Close (or open) a section, as a click on its title does."""
        self._boxes[group].selected_index = None if collapsed else 0

    @property
    def sections(self) -> list[tuple[str, int, go.Figure, bool]]:
        """(group, panels, current figure, open) of each section, in order: what the snapshot draws."""
        groups = [g for g in self._boxes if self._boxes[g] in self.children]
        return [(g, self._panels[g], self.views[g].current, self.is_open(g)) for g in groups]

    def close(self) -> None:
        """Close every section and its chart."""
        for widget in (*self._boxes.values(), *self.views.values()):
            widget.close()
        super().close()

    @property
    def data(self) -> tuple[Any, ...]:
        """Every trace drawn, section by section."""
        return tuple(trace for _, _, fig, _ in self.sections for trace in fig.data)
