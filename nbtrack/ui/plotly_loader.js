// Installs plotly.js (sent once per kernel by the loader widget) as globalThis.Plotly.
// Evaluated as a CommonJS module so an AMD `define` on the page (classic Notebook) is not involved.
function install(model) {
  if (globalThis.Plotly) return;
  const source = model.get("source");
  if (!source) return;
  const module = { exports: {} };
  new Function("module", "exports", "define", source)(module, module.exports, undefined);
  globalThis.Plotly = module.exports;
}

export default {
  initialize({ model }) {
    install(model);
    model.on("change:source", () => install(model));
  },
  render({ model }) {
    install(model);
  },
};
