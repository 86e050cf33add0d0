// nbtrack's Plotly chart: draws a figure JSON with the page's one copy of plotly.js, except parallel
// coordinates, which `Parcoords` (parcoords.js, put in front of this file by plotly_view.py) draws as
// SVG: no view of nbtrack's takes a WebGL context for them.
// plotly.js itself arrives once per page through the PlotlyJS loader widget (see plotly_view.py).
// The chart is as wide as its output area from the first draw: it waits until the area has a width
// (a view is rendered before it is attached) and follows the area's size after that.
function plotly() {
  return new Promise((resolve) => {
    const tick = () => (globalThis.Plotly ? resolve(globalThis.Plotly) : setTimeout(tick, 30));
    tick();
  });
}

function isParcoords(fig) {
  const trace = (fig.data || [])[0];
  return Boolean(trace && trace.type === "parcoords");
}

export default {
  async render({ model, el }) {
    const div = document.createElement("div");
    div.className = "nbtrack-plotly";
    div.style.width = "100%";
    el.style.width = "100%";
    el.appendChild(div);
    let closed = false;
    let drawn = false; // by plotly.js
    let svg = null; // the SVG parallel coordinates, while the figure is one
    let frame = 0;
    // A brush on the parallel coordinates: every axis's range by label, as plotly's constraintrange.
    const onBrush = (brush) => {
      model.set("brush", brush);
      model.save_changes();
    };
    const draw = async () => {
      if (closed || !div.isConnected || div.clientWidth === 0) return; // drawn once the area has a width
      const fig = model.get("figure") || {};
      if (isParcoords(fig)) {
        if (drawn) globalThis.Plotly.purge(div);
        drawn = false;
        svg = svg || new Parcoords(div, onBrush);
        svg.draw(fig);
        return;
      }
      if (svg) svg.destroy();
      svg = null;
      const Plotly = await plotly();
      const now = model.get("figure") || {}; // the figure may have changed while plotly.js arrived
      if (closed || svg || isParcoords(now)) return;
      const layout = { ...(now.layout || {}), autosize: true };
      delete layout.width;
      drawn = true;
      Plotly.react(div, now.data || [], layout, { displaylogo: false, responsive: true });
    };
    const resized = () => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => {
        if (closed || div.clientWidth === 0) return;
        if (svg) svg.resize();
        else if (drawn) globalThis.Plotly.Plots.resize(div);
        else draw();
      });
    };
    const observer = new ResizeObserver(resized);
    observer.observe(div);
    draw();
    model.on("change:figure", draw);
    return () => {
      closed = true;
      cancelAnimationFrame(frame);
      observer.disconnect();
      model.off("change:figure", draw);
      if (drawn) globalThis.Plotly.purge(div);
    };
  },
};
