"""HTML from an untrusted notebook made inert, as JupyterLab shows it: no scripts, handlers, frames or styles.

Element and attribute names are checked against what can run code or load a page: `<script>`,
`<iframe>`, `<object>`, `<embed>`, `<style>`, `<base>`, `<meta>`, `<link>`, `<form>` (with their
content where it is code), `on*` handlers, and `javascript:`/`vbscript:`/`data:` URLs other than
`data:image/...` (and `data:audio/...`/`data:video/...` as the `src` of `<audio>`, `<video>` or
`<source>`: logged media, which a player decodes and never runs); style attributes that load anything (`url(`, `expression`, `@import`). Everything
else is re-serialised with escaped text and attribute values. With `keep_figures`, nbtrack's figure
data blocks (`<script type="application/json" class="nbtrack-figure">`) are kept once their JSON is
re-encoded here: data, never code, which nbtrack's own script (not the notebook's) draws.
"""

from __future__ import annotations

import html
import json
from html.parser import HTMLParser

__all__ = ["sanitize_html"]

_DROP_WITH_CONTENT = frozenset({"script", "style", "iframe", "object", "embed", "frame", "frameset", "noscript",
                                "template", "svg", "math", "applet"})
_DROP_TAG = frozenset({"base", "meta", "link", "form", "input", "button", "textarea", "select", "option", "param"})
_URL_ATTRS = frozenset({"href", "src", "action", "formaction", "xlink:href", "background", "poster", "srcset",
                        "data", "codebase", "cite", "longdesc"})
_STYLE_LOADS = ("url(", "expression", "@import", "javascript:")
_VOID = frozenset({"area", "br", "col", "hr", "img", "source", "track", "wbr"})
_MEDIA_PLAYERS = frozenset({"audio", "video", "source"})


def _safe_url(value: str, *, media_src: bool = False) -> bool:
    v = "".join(value.split()).lower()
    if v.startswith("data:"):
        if media_src and v.startswith(("data:audio/", "data:video/")):
            return True
        return v.startswith("data:image/") and not v.startswith("data:image/svg+xml;utf8")
    return not v.startswith(("javascript:", "vbscript:"))


class _Sanitizer(HTMLParser):
    def __init__(self, keep_figures: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.keep_figures = keep_figures
        self.figure: list[str] | None = None  # the text of a figure data block being read
        self.out: list[str] = []
        self._skip = 0  # depth inside an element dropped with its content
        self._skip_tag: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skip:
            if tag == self._skip_tag[-1]:
                self._skip += 1
            return
        if tag == "script" and self.keep_figures and dict(attrs).get("type") == "application/json" \
                and dict(attrs).get("class") == "nbtrack-figure":
            self.figure = []
            return
        if tag in _DROP_WITH_CONTENT:
            self._skip, self._skip_tag = 1, [tag]
            return
        if tag in _DROP_TAG:
            return
        kept = []
        for name, value in attrs:
            if name.startswith("on") or name in ("formaction", "srcdoc"):
                continue
            if name == "style" and value is not None and any(w in value.lower() for w in _STYLE_LOADS):
                continue
            if name in _URL_ATTRS and value is not None and not _safe_url(
                    value, media_src=name == "src" and tag in _MEDIA_PLAYERS):
                continue
            kept.append(f' {name}="{html.escape(value, quote=True)}"' if value is not None else f" {name}")
        self.out.append(f"<{tag}{''.join(kept)}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if self.figure is not None and tag == "script":
            self._emit_figure("".join(self.figure))
            self.figure = None
            return
        if self._skip:
            if tag == self._skip_tag[-1]:
                self._skip -= 1
            return
        if tag in _DROP_WITH_CONTENT or tag in _DROP_TAG or tag in _VOID:
            return
        self.out.append(f"</{tag}>")

    def _emit_figure(self, text: str) -> None:
        try:
            spec = json.loads(text)
        except ValueError:
            return
        if not isinstance(spec, dict):
            return
        data = json.dumps({"data": spec.get("data", []), "layout": spec.get("layout", {})})
        data = data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        self.out.append(f'<script type="application/json" class="nbtrack-figure">{data}</script>')

    def handle_data(self, data: str) -> None:
        if self.figure is not None:
            self.figure.append(data)
            return
        if not self._skip:
            self.out.append(html.escape(data, quote=False))


def sanitize_html(text: str, *, keep_figures: bool = False) -> str:
    """The HTML with everything that can run code, load a frame or restyle the page removed."""
    parser = _Sanitizer(keep_figures)
    parser.feed(text)
    parser.close()
    return "".join(parser.out)
