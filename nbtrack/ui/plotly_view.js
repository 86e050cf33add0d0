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
    return () => {
      model.off("change:figure", draw);
      Plotly.purge(div);
    };
  },
};
