// nbtrack's Plotly chart: draws a figure JSON with the page's one copy of plotly.js.
// plotly.js itself arrives once per page through the PlotlyJS loader widget (see plotly_view.py).
function plotly() {
  return new Promise((resolve) => {
    const tick = () => (globalThis.Plotly ? resolve(globalThis.Plotly) : setTimeout(tick, 30));
    tick();
  });
}

export default {
  async render({ model, el }) {
    const div = document.createElement("div");
    div.className = "nbtrack-plotly";
    el.appendChild(div);
    const Plotly = await plotly();
    const draw = () => {
      const fig = model.get("figure") || {};
      Plotly.react(div, fig.data || [], fig.layout || {}, { displaylogo: false, responsive: true });
    };
    draw();
    model.on("change:figure", draw);
    // A brush on a parallel-coordinates axis: report every axis's constraintrange by label.
    div.on("plotly_restyle", () => {
      const trace = (div.data || [])[0];
      if (!trace || trace.type !== "parcoords") return;
      const brush = {};
      for (const dim of trace.dimensions || []) {
        if (dim.constraintrange && dim.constraintrange.length) brush[dim.label] = dim.constraintrange;
      }
      model.set("brush", brush);
      model.save_changes();
    });
    return () => {
      model.off("change:figure", draw);
      Plotly.purge(div);
    };
  },
};
