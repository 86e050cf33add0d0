"""`nbtrack export`: a notebook as one self-contained HTML page whose charts work offline.

nbconvert's HTML (the `lab` template) is the base. On top of it:

- plotly.js is inlined exactly once, in the page head, from plotly's package data;
  the copies nbtrack's static outputs carry (`<script data-nbtrack-plotlyjs>`) and any
  other inline plotly.js bundle in an output are removed;
- nothing is fetched from a network: the template's require.js, MathJax, mermaid
  and Jupyter-widgets loaders (all CDN URLs) are left out, so LaTeX in markdown
  stays as its source text;
- widget views (which need a widget manager from a CDN) show their HTML or text
  fallback; plotly's own MIME type (what `fig.show()` emits, which nbconvert drops)
  becomes an interactive figure.

Notebook content is escaped by nbconvert as usual; nothing here unescapes it. A notebook whose
signature does not check (nbformat's NotebookNotary: one someone else sent, or executed by
nbclient) is treated as JupyterLab treats it: its outputs' HTML is sanitised (no scripts, handlers,
frames or styles) and JavaScript outputs are dropped. nbtrack's own outputs (marked in their
metadata) keep working: their SVG pictures survive the sanitiser and their charts are drawn from
their figure data by nbtrack's script, not by any script the notebook carries.
"""

from __future__ import annotations

import copy
import os
import re
from pathlib import Path
from typing import Any

from ._sanitize import sanitize_html
from .ui.static import MARKER, UPGRADE_SCRIPT

__all__ = [
    "export_notebook", "is_trusted", "notebook_to_html", "prepare_notebook", "strip_plotlyjs", "external_references",
    "plotlyjs_source",
]

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
_UNTRUSTED_DROP = ("application/javascript", "text/javascript", "application/x-javascript", "image/svg+xml")
PLOTLY_MIME = "application/vnd.plotly.v1+json"

_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
_PLOTLY_BANNER = re.compile(r"\*\s*plotly\.js v\d")
# `window.PlotlyConfig = {MathJaxConfig: 'local'};`, which plotly emits beside each inline bundle
_PLOTLY_CONFIG = re.compile(r"^\s*window\.PlotlyConfig\s*=\s*\{[^}]*\};?\s*$")
_EXTERNAL = re.compile(
    r"""<(script|link|img|iframe|source|video|audio|embed)\b[^>]*?\b(?:src|href)\s*=\s*["']?\s*((?:https?:)?//[^"'\s>]+)""",
    re.IGNORECASE,
)
_CSS_EXTERNAL = re.compile(r"""(?:@import\s+(?:url\()?|url\()\s*["']?\s*((?:https?:)?//[^"')\s]+)""", re.IGNORECASE)

_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}
<script type="text/javascript">window.PlotlyConfig = {MathJaxConfig: 'local'};</script>
<script type="text/javascript" data-nbtrack-plotlyjs="1">{{ resources.nbtrack_plotlyjs }}</script>
<script type="text/javascript">
/* plotly's older notebook outputs call require(["plotly"], ...): answer those without require.js */
if (typeof window.require === "undefined") {
  window.require = function (deps, callback) {
    if (Array.isArray(deps) && deps.length === 1 && deps[0] === "plotly" && callback) { callback(window.Plotly); }
  };
  window.require.config = function () {};
}
</script>
{%- endblock html_head_js_requirejs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
"""


def plotlyjs_source() -> str:
    """The plotly.js bundle shipped in plotly's package data (minified)."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def _is_plotlyjs_script(attrs: str, body: str) -> bool:
    if "data-nbtrack-plotlyjs" in attrs:
        return True
    # a whole plotly.js bundle: its licence banner near the top of a large script
    # (plotly 5's "require" mode wraps it in a `define('plotly', ...)`, so look a little further)
    return len(body) > 100_000 and _PLOTLY_BANNER.search(body, 0, 4000) is not None


def strip_plotlyjs(html: str) -> str:
    """Remove inline plotly.js bundles (and plotly's `window.PlotlyConfig` line beside them) from HTML."""
    if "<script" not in html and "<SCRIPT" not in html:
        return html

    def replace(match: re.Match[str]) -> str:
        attrs, body = match.group(1), match.group(2)
        if _is_plotlyjs_script(attrs, body) or _PLOTLY_CONFIG.match(body):
            return ""
        return match.group(0)

    return _SCRIPT.sub(replace, html)


def external_references(html: str) -> list[str]:
    """URLs a browser would fetch for this page: external `src`/`href` of resource tags and CSS imports.

    Ordinary links (`<a href>`) are not fetched and are not listed.
    """
    found = [m.group(2) for m in _EXTERNAL.finditer(html)]  # every <link> counts, stylesheet or not
    for style in re.finditer(r"<style\b[^>]*>(.*?)</style\s*>", html, re.IGNORECASE | re.DOTALL):
        found.extend(m.group(1) for m in _CSS_EXTERNAL.finditer(style.group(1)))
    return found


def _plotly_figure_html(spec: Any) -> str | None:
    """plotly's MIME payload as an HTML figure that expects plotly.js on the page; None if it cannot."""
    try:
        import plotly.io as pio

        if not isinstance(spec, dict):
            return None
        return pio.to_html(
            {k: v for k, v in spec.items() if k in ("data", "layout", "frames")},
            full_html=False, include_plotlyjs=False, validate=False,
            config=spec.get("config") or {"responsive": True},
        )
    except Exception:  # a malformed payload: leave the output to nbconvert's usual choice
        return None


def _clean_output(output: Any, trusted: bool) -> Any | None:
    """One output made offline-ready (and inert where untrusted); None when nothing worth showing is left."""
    data = output.get("data")
    if not isinstance(data, dict):
        return output
    ours = (output.get("metadata") or {}).get(MARKER)
    if isinstance(ours, dict) and str(ours.get("kind", "")).endswith("-widget"):
        return None  # a widget's view: its snapshot, the next output, shows it
    html = data.get("text/html")
    if isinstance(html, list):
        html = "".join(html)
    if not trusted:
        for mime in _UNTRUSTED_DROP:
            data.pop(mime, None)
        if isinstance(html, str):
            html = sanitize_html(html, keep_figures=ours is not None)
    if isinstance(html, str) and ours is not None and "nbtrack-figure" in html and UPGRADE_SCRIPT not in html:
        html += UPGRADE_SCRIPT  # nbtrack's own script draws the figure data (snapshots and untrusted outputs)
    if isinstance(html, str):
        stripped = strip_plotlyjs(html)
        if stripped.strip():
            data["text/html"] = stripped
        else:
            del data["text/html"]
    if PLOTLY_MIME in data and "text/html" not in data:
        fig_html = _plotly_figure_html(data[PLOTLY_MIME])
        if fig_html is not None:
            data["text/html"] = fig_html
    if WIDGET_VIEW in data:
        del data[WIDGET_VIEW]
        if not data:
            data["text/plain"] = "(interactive widget: shown only with a running kernel)"
    if not data:
        return None
    return output


def prepare_notebook(nb: Any, *, trusted: bool = True) -> Any:
    """A copy of the notebook with its outputs made offline-ready (see the module docstring)."""
    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)  # saved widget state needs a CDN widget manager
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        outputs = []
        for output in cell.get("outputs", []):
            cleaned = _clean_output(output, trusted)
            if cleaned is not None:
                outputs.append(cleaned)
        cell.outputs = outputs
    return nb


def notebook_to_html(nb: Any, *, name: str = "notebook", trusted: bool = True) -> str:
    """The notebook (an nbformat node) as one self-contained HTML page; untrusted outputs are sanitised."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab")
    exporter.raw_template = _TEMPLATE
    resources = {"metadata": {"name": name}, "nbtrack_plotlyjs": plotlyjs_source()}
    body, _ = exporter.from_notebook_node(prepare_notebook(nb, trusted=trusted), resources=resources)
    return body


def is_trusted(nb: Any) -> bool:
    """Whether the notebook's signature checks with this user's Jupyter secret (as JupyterLab decides)."""
    from nbformat.sign import NotebookNotary

    try:
        return bool(NotebookNotary().check_signature(nb))
    except Exception:  # no readable signature database: as Jupyter does, do not trust
        return False


def export_notebook(notebook: str | os.PathLike[str], *, output: str | os.PathLike[str] | None = None,
                    trusted: bool | None = None) -> Path:
    """Write NOTEBOOK.ipynb as a self-contained HTML page (default: beside it, `.html`); returns the path.

    `trusted=None` asks the notebook's signature; an untrusted notebook's outputs are sanitised.
    """
    import nbformat

    src = Path(notebook)
    if not src.is_file():
        raise FileNotFoundError(f"no notebook at {src}")
    nb = nbformat.read(src, as_version=4)
    dest = Path(output) if output is not None else src.with_suffix(".html")
    page = notebook_to_html(nb, name=src.stem, trusted=is_trusted(nb) if trusted is None else trusted)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(page, encoding="utf-8")
    return dest
