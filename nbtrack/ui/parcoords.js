// nbtrack's parallel coordinates, drawn as SVG: plotly's parcoords takes three WebGL contexts a chart,
// and a page with a few of them reaches the browser's limit ("Too many active WebGL contexts").
// Draws a plotly parcoords figure JSON: dimensions (label, values, range, tickvals/ticktext,
// constraintrange), line colour with its colorscale and colorbar, the title; customdata per line
// ([name, text per axis], optional) for the hover card.
// Drag up or down on an axis to brush a range, click it to clear; a line must pass every brushed axis
// or it is greyed. After each change `onBrush` gets {axis label: [lo, hi] or [[lo, hi], ...]} in plotted
// units: the shape of plotly's constraintrange. Every text goes in through textContent (labels come
// from user configs). plotly_view.py puts this file in front of plotly_view.js (a widget module is one file).

const SVG_NS = "http://www.w3.org/2000/svg";
const VIRIDIS = ["#440154", "#482878", "#3e4989", "#31688e", "#26828e", "#1f9e89", "#35b779", "#6ece58",
  "#b5de2b", "#fde725"];
const TYPED = { f8: Float64Array, f4: Float32Array, i4: Int32Array, u4: Uint32Array, i2: Int16Array,
  u2: Uint16Array, i1: Int8Array, u1: Uint8Array };
const GREY = "#aaa";
const FONT = '"Open Sans", verdana, arial, sans-serif';
const HIT = 14; // px either side of an axis where a press starts a brush
const CLICK = 3; // px a press may move and still be a click (which clears the axis)
const NEAR = 6; // px from a line within which the pointer hovers it
let gradients = 0; // colorbar gradient ids, unique on the page

function numbers(raw) {
  // plotly JSON arrays are lists or base64 typed arrays ({dtype, bdata})
  if (raw == null) return [];
  if (Array.isArray(raw)) return raw.map((v) => (v == null || v === "" ? NaN : Number(v)));
  if (typeof raw === "object" && typeof raw.bdata === "string") {
    const bytes = Uint8Array.from(atob(raw.bdata), (c) => c.charCodeAt(0));
    return Array.from(new (TYPED[raw.dtype] || Float64Array)(bytes.buffer));
  }
  return [];
}

function pairs(constraint) {
  // constraintrange: [lo, hi] or [[lo, hi], ...] -> [[lo, hi], ...]
  if (!Array.isArray(constraint) || !constraint.length) return [];
  const list = Array.isArray(constraint[0]) ? constraint : [constraint];
  return list.map(([a, b]) => [Math.min(+a, +b), Math.max(+a, +b)]).filter(([a, b]) => Number.isFinite(a + b));
}

function fmt(v) {
  if (!Number.isFinite(v)) return "";
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(2).replace(/\.?0+e/, "e");
  return String(Number(v.toPrecision(4)));
}

function niceTicks(lo, hi, count = 5) {
  const span = hi - lo;
  const mag = 10 ** Math.floor(Math.log10(span / count));
  const step = [1, 2, 5, 10].map((k) => k * mag).find((s) => span / s <= count + 1);
  const out = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Number(t.toPrecision(12)));
  return out;
}

function rgb(color) {
  const text = String(color).trim();
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(text);
  if (hex) {
    const h = hex[1].length === 3 ? hex[1].replace(/./g, "$&$&") : hex[1];
    return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16));
  }
  const parts = /^rgba?\(([^)]*)\)$/i.exec(text);
  return parts ? parts[1].split(",").slice(0, 3).map(Number) : [31, 119, 180];
}

function colorscale(scale) {
  // a function from [0, 1] to a colour; plotly's [[position, colour], ...] or Viridis
  const stops = (Array.isArray(scale) && scale.length > 1 ? scale : VIRIDIS.map((c, i) => [i / 9, c]))
    .map(([p, c]) => [Number(p), rgb(c)]);
  return (t) => {
    const i = Math.max(1, stops.findIndex(([p]) => p >= t));
    const [p0, c0] = stops[i - 1];
    const [p1, c1] = stops[Math.min(i, stops.length - 1)];
    const f = p1 > p0 ? Math.min(1, Math.max(0, (t - p0) / (p1 - p0))) : 0;
    return `rgb(${c0.map((v, k) => Math.round(v + (c1[k] - v) * f)).join(",")})`;
  };
}

function extent(values) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  return lo <= hi ? [lo, hi] : [0, 1];
}

function el(parent, tag, attrs = {}, text = undefined) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  parent.appendChild(node);
  return node;
}

function fit(text, width) {
  // shorten an SVG text with an ellipsis until it is at most `width` px wide; the full text as its tooltip
  const full = text.textContent;
  if (text.getComputedTextLength() <= width) return;
  el(text, "title", {}, full);
  let n = full.length;
  while (n > 1 && text.getComputedTextLength() > width) text.firstChild.textContent = full.slice(0, --n) + "…";
}

class Parcoords {
  constructor(parent, onBrush) {
    this.onBrush = onBrush;
    this.root = document.createElement("div");
    this.root.className = "nbtrack-parcoords";
    this.root.style.cssText = "position:relative;width:100%";
    this.tip = document.createElement("div");
    this.tip.className = "nbtrack-parcoords-tip";
    this.tip.style.cssText = "position:absolute;display:none;pointer-events:none;background:rgba(255,255,255,.95);"
      + `border:1px solid #999;border-radius:3px;padding:3px 6px;font:11px ${FONT};white-space:pre;z-index:5`;
    this.root.appendChild(this.tip);
    parent.appendChild(this.root);
    this.svg = null;
  }

  draw(fig) {
    // a figure from Python: its constraintranges are the brush (kept across refreshes there)
    const trace = fig.data[0];
    const line = trace.line || {};
    this.layout = fig.layout || {};
    this.dims = (trace.dimensions || []).filter((d) => d.visible !== false).map((d) => {
      const values = numbers(d.values);
      let [lo, hi] = Array.isArray(d.range) && d.range.length === 2 ? d.range.map(Number) : extent(values);
      if (lo === hi) { lo -= 0.5; hi += 0.5; }
      const tickvals = d.tickvals ? numbers(d.tickvals) : null;
      return { label: String(d.label ?? ""), values, lo, hi, tickvals, ticktext: d.ticktext || null,
               brush: pairs(d.constraintrange) };
    });
    this.count = Math.max(0, ...this.dims.map((d) => d.values.length));
    const colors = typeof line.color === "string" ? null : numbers(line.color);
    const [cmin, cmax] = colors ? extent(colors) : [0, 1];
    const lo = Number.isFinite(line.cmin) ? line.cmin : cmin;
    const hi = Number.isFinite(line.cmax) ? line.cmax : cmax;
    const toColor = colorscale(line.colorscale);
    this.colorbar = colors && line.showscale ? { ...(line.colorbar || {}), lo, hi, toColor } : null;
    this.colors = Array.from({ length: this.count }, (_, i) => {
      if (!colors) return line.color || "#1f77b4";
      return Number.isFinite(colors[i]) ? toColor(hi > lo ? (colors[i] - lo) / (hi - lo) : 0.5) : GREY;
    });
    this.names = Array.isArray(trace.customdata) ? trace.customdata : [];
    this.render();
  }

  resize() {
    if (this.dims) this.render();
  }

  destroy() {
    this.root.remove();
  }

  render() {
    const width = this.root.clientWidth || 600;
    const height = Number(this.layout.height) || 350;
    const m = { l: 70, r: 70, t: 100, b: 30, ...(this.layout.margin || {}) };
    const left = m.l;
    const right = Math.max(left + 10, width - m.r - (this.colorbar ? 40 : 0));
    const top = m.t;
    const bottom = Math.max(top + 20, height - m.b);
    const n = this.dims.length;
    this.xs = this.dims.map((_, j) => (n > 1 ? left + (j * (right - left)) / (n - 1) : (left + right) / 2));
    this.top = top;
    this.bottom = bottom;
    this.width = width;
    if (this.svg) this.svg.remove();
    const svg = (this.svg = el(this.root, "svg", { width, height, viewBox: `0 0 ${width} ${height}`,
      style: `display:block;font-family:${FONT};user-select:none` }));
    const title = this.layout.title || {};
    const titleText = typeof title === "string" ? title : title.text;
    if (titleText) {
      const size = (title.font || {}).size || 13;
      fit(el(svg, "text", { x: (title.x ?? 0.01) * width, y: 8 + size, "font-size": size, fill: "#333",
        class: "nbtrack-parcoords-title" }, String(titleText)), width - 16);
    }
    // lines: y in px per line per axis (for hover), one path each
    this.ys = Array.from({ length: this.count }, (_, i) => this.dims.map((d) => {
      const v = d.values[i];
      return Number.isFinite(v) ? bottom - ((v - d.lo) / (d.hi - d.lo)) * (bottom - top) : NaN;
    }));
    this.lines = el(svg, "g", { class: "nbtrack-parcoords-lines", fill: "none", "stroke-width": 1.5 });
    this.paths = this.ys.map((ys) => {
      let d = ""; // a missing value breaks the line
      ys.forEach((y, j) => {
        if (!Number.isFinite(y)) return;
        d += `${d && Number.isFinite(ys[j - 1]) ? "L" : "M"}${this.xs[j].toFixed(1)},${y.toFixed(1)}`;
      });
      return el(this.lines, "path", { d, class: "nbtrack-parcoords-line" });
    });
    this.hover = el(svg, "path", { fill: "none", stroke: "#222", "stroke-width": 3, display: "none",
      "pointer-events": "none" });
    this.axes = this.dims.map((d, j) => this.axis(svg, d, this.xs[j], n > 1 ? (right - left) / (n - 1) : width));
    if (this.colorbar) this.drawColorbar(svg, right + 24, top, bottom);
    svg.addEventListener("pointermove", (e) => this.hovered(e));
    svg.addEventListener("pointerleave", () => this.unhover());
    this.paint();
  }

  axis(svg, d, x, gap) {
    const g = el(svg, "g", { class: "nbtrack-parcoords-axis" });
    const y = (v) => this.bottom - ((v - d.lo) / (d.hi - d.lo)) * (this.bottom - this.top);
    el(g, "line", { x1: x, x2: x, y1: this.top, y2: this.bottom, stroke: "#444", "stroke-width": 1 });
    const ticks = d.tickvals
      ? d.tickvals.map((v, i) => [v, d.ticktext && d.ticktext[i] != null ? String(d.ticktext[i]) : fmt(v)])
      : niceTicks(d.lo, d.hi).map((v) => [v, fmt(v)]);
    for (const [v, text] of ticks) {
      if (!(v >= d.lo - 1e-9 && v <= d.hi + 1e-9)) continue;
      el(g, "line", { x1: x - 4, x2: x, y1: y(v), y2: y(v), stroke: "#444" });
      fit(el(g, "text", { x: x - 6, y: y(v) + 3.5, "text-anchor": "end", "font-size": 10, fill: "#444",
        stroke: "white", "stroke-width": 3, "paint-order": "stroke" }, text), Math.max(20, gap / 2 - 10));
    }
    const label = el(g, "text", { x, y: this.top - 14, "text-anchor": "middle", "font-size": 11, fill: "#222",
      "font-weight": 600, class: "nbtrack-parcoords-label" }, d.label);
    fit(label, Math.max(24, Math.min(gap - 8, 2 * Math.min(x, this.width - x) - 4)));
    const brushes = el(g, "g", { class: "nbtrack-parcoords-brushes" });
    const hit = el(g, "rect", { x: x - HIT, y: this.top - 6, width: 2 * HIT, height: this.bottom - this.top + 12,
      fill: "transparent", "pointer-events": "all", class: "nbtrack-parcoords-hit", style: "cursor:crosshair" });
    hit.addEventListener("pointerdown", (e) => this.press(e, d, hit, y));
    return { brushes, y };
  }

  press(e, d, hit, y) {
    // drag: brush [start, pointer] on this axis (replacing its brush); a click: clear it
    if (e.button !== 0) return;
    e.preventDefault();
    e.stopPropagation();
    hit.setPointerCapture(e.pointerId);
    this.unhover();
    const top = this.svg.getBoundingClientRect().top;
    const value = (clientY) => {
      const py = Math.min(this.bottom, Math.max(this.top, clientY - top));
      return d.lo + ((this.bottom - py) / (this.bottom - this.top)) * (d.hi - d.lo);
    };
    const start = e.clientY;
    let moved = false;
    const move = (ev) => {
      if (!moved && Math.abs(ev.clientY - start) < CLICK) return;
      moved = true;
      const a = value(start);
      const b = value(ev.clientY);
      d.brush = [[Math.min(a, b), Math.max(a, b)]];
      this.paint();
    };
    const end = () => {
      hit.removeEventListener("pointermove", move);
      hit.removeEventListener("pointerup", end);
      hit.removeEventListener("pointercancel", end);
      if (!moved) d.brush = [];
      this.paint();
      this.report();
    };
    hit.addEventListener("pointermove", move);
    hit.addEventListener("pointerup", end);
    hit.addEventListener("pointercancel", end);
  }

  inside(i) {
    const passes = (d) => d.brush.some(([lo, hi]) => d.values[i] >= lo && d.values[i] <= hi);
    return this.dims.every((d) => !d.brush.length || passes(d));
  }

  paint() {
    // brushed-out lines grey and underneath; the brushes drawn on their axes
    const out = [];
    const kept = [];
    this.paths.forEach((path, i) => {
      const ok = this.inside(i);
      path.setAttribute("stroke", ok ? this.colors[i] : GREY);
      path.setAttribute("stroke-opacity", ok ? 0.9 : 0.55);
      path.classList.toggle("nbtrack-parcoords-out", !ok);
      (ok ? kept : out).push(path);
    });
    for (const path of [...out, ...kept]) this.lines.appendChild(path);
    this.dims.forEach((d, j) => {
      const { brushes, y } = this.axes[j];
      brushes.replaceChildren();
      for (const [lo, hi] of d.brush) {
        const y0 = y(Math.min(d.hi, hi));
        const y1 = y(Math.max(d.lo, lo));
        el(brushes, "rect", { x: this.xs[j] - 5, y: y0, width: 10, height: Math.max(2, y1 - y0), fill: "#1f77b4",
          "fill-opacity": 0.3, stroke: "#1f77b4", class: "nbtrack-parcoords-brush" });
      }
    });
  }

  report() {
    const brush = {};
    for (const d of this.dims) if (d.brush.length) brush[d.label] = d.brush.length === 1 ? d.brush[0] : d.brush;
    this.onBrush(brush);
  }

  nearest(e) {
    // the line nearest the pointer between two axes (within NEAR px; a brushed-in line before a grey one), or -1
    const box = this.svg.getBoundingClientRect();
    const mx = e.clientX - box.left;
    const my = e.clientY - box.top;
    const j = this.xs.findIndex((x, k) => k < this.xs.length - 1 && mx >= x && mx <= this.xs[k + 1]);
    if (j < 0) return -1;
    const t = (mx - this.xs[j]) / (this.xs[j + 1] - this.xs[j]);
    let best = -1;
    let distance = NEAR;
    this.ys.forEach((ys, i) => {
      const at = Math.abs(ys[j] + (ys[j + 1] - ys[j]) * t - my) + (this.inside(i) ? 0 : 0.5);
      if (at < distance) { best = i; distance = at; }
    });
    return best;
  }

  hovered(e) {
    // the hovered line drawn bold, its run and values in a card beside the pointer
    const i = e.buttons || this.dims.length < 2 ? -1 : this.nearest(e);
    if (i < 0) { this.unhover(); return; }
    this.hover.setAttribute("d", this.paths[i].getAttribute("d"));
    this.hover.removeAttribute("display");
    const custom = Array.isArray(this.names[i]) ? this.names[i] : [];
    const named = custom.length === this.dims.length + 1;
    const rows = this.dims.map((d, k) => `${d.label}: ${named ? custom[k + 1] : this.text(d, d.values[i])}`);
    this.tip.textContent = (named ? [String(custom[0]), ...rows] : rows).join("\n");
    this.tip.style.display = "block";
    const box = this.root.getBoundingClientRect();
    const x = e.clientX - box.left;
    const left = x + 14 + this.tip.offsetWidth > box.width ? x - 14 - this.tip.offsetWidth : x + 14;
    this.tip.style.left = `${Math.max(0, left)}px`;
    this.tip.style.top = `${Math.max(0, e.clientY - box.top - this.tip.offsetHeight / 2)}px`;
  }

  text(d, v) {
    const i = d.tickvals ? d.tickvals.findIndex((t) => Math.abs(t - v) < 1e-9) : -1;
    return i >= 0 && d.ticktext && d.ticktext[i] != null ? String(d.ticktext[i]) : fmt(v);
  }

  unhover() {
    if (this.hover) this.hover.setAttribute("display", "none");
    this.tip.style.display = "none";
  }

  drawColorbar(svg, x, top, bottom) {
    const cb = this.colorbar;
    const thick = Number(cb.thickness) || 10;
    const id = `nbtrack-parcoords-scale-${++gradients}`;
    const gradient = el(el(svg, "defs"), "linearGradient", { id, x1: 0, y1: 1, x2: 0, y2: 0 });
    for (let k = 0; k <= 10; k += 1) el(gradient, "stop", { offset: k / 10, "stop-color": cb.toColor(k / 10) });
    const g = el(svg, "g", { class: "nbtrack-parcoords-colorbar" });
    el(g, "rect", { x, y: top, width: thick, height: bottom - top, fill: `url(#${id})` });
    const y = (v) => bottom - ((v - cb.lo) / ((cb.hi - cb.lo) || 1)) * (bottom - top);
    const tickvals = cb.tickvals ? numbers(cb.tickvals) : null;
    const ticks = tickvals
      ? tickvals.map((v, i) => [v, cb.ticktext && cb.ticktext[i] != null ? String(cb.ticktext[i]) : fmt(v)])
      : (cb.hi > cb.lo ? niceTicks(cb.lo, cb.hi) : [cb.lo]).map((v) => [v, fmt(v)]);
    for (const [v, text] of ticks) {
      if (!(v >= cb.lo - 1e-9 && v <= cb.hi + 1e-9)) continue;
      el(g, "text", { x: x + thick + 4, y: y(v) + 3.5, "font-size": 10, fill: "#444" }, text);
    }
    const title = cb.title && typeof cb.title === "object" ? cb.title.text : cb.title;
    // above the row of axis labels: the last axis (the metric) is labelled just left of it
    if (title) fit(el(g, "text", { x, y: top - 34, "font-size": 11, fill: "#444" }, String(title)), this.width - x - 4);
  }
}
