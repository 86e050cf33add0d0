// nbtrack's Plotly chart: draws a figure JSON with the page's one copy of plotly.js.
// plotly.js itself arrives once per page through the PlotlyJS loader widget (see plotly_view.py).
// The chart is as wide as its output area from the first draw: it waits until the area has a width
// (a view is rendered before it is attached) and follows the area's size after that.
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
    div.style.width = "100%";
    el.style.width = "100%";
    el.appendChild(div);
    const Plotly = await plotly();
    let closed = false;
    let drawn = false;
    let frame = 0;
    // A brush on a parallel-coordinates axis: report every axis's constraintrange by label.
    const onRestyle = () => {
      const trace = (div.data || [])[0];
      if (!trace || trace.type !== "parcoords") return;
      const brush = {};
      for (const dim of trace.dimensions || []) {
        if (dim.constraintrange && dim.constraintrange.length) brush[dim.label] = dim.constraintrange;
      }
      model.set("brush", brush);
      model.save_changes();
    };
    const draw = () => {
      if (closed || !div.isConnected || div.clientWidth === 0) return; // drawn once the area has a width
      const fig = model.get("figure") || {};
      const layout = { ...(fig.layout || {}), autosize: true };
      delete layout.width;
      const first = !drawn;
      drawn = true;
      Plotly.react(div, fig.data || [], layout, { displaylogo: false, responsive: true }).then(() => {
        if (first && !closed) div.on("plotly_restyle", onRestyle); // div.on exists once plotly has drawn
      });
    };
    const resized = () => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => {
        if (closed || div.clientWidth === 0) return;
        if (drawn) Plotly.Plots.resize(div);
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
      Plotly.purge(div);
    };
  },
};
