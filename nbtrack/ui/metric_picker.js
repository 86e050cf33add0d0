// nbtrack metric picker: every metric as a chip, grouped by prefix; a click ticks or unticks it.
// Keys typed in the filter box stay here: Jupyter's command-mode shortcuts must not see them.
function node(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

function groups(keys) {
  const out = new Map();
  for (const key of keys) {
    const cut = key.indexOf("/");
    const prefix = cut > 0 ? key.slice(0, cut) : "";
    const group = prefix === "" ? "Charts" : prefix === "system" ? "System" : prefix;  // the dashboard's section names
    if (!out.has(group)) out.set(group, []);
    out.get(group).push(key);
  }
  return out;
}

function render({ model, el }) {
  const root = node("div", "nbtrack-metrics");
  const bar = node("div", "nbtrack-metrics-bar");
  const filter = node("input", "nbtrack-metrics-filter");
  filter.type = "search";
  filter.placeholder = "Filter metrics";
  const all = node("button", "nbtrack-metrics-all", "all");
  const none = node("button", "nbtrack-metrics-none", "none");
  const count = node("span", "nbtrack-metrics-count");
  bar.append(node("b", "", "Metrics"), filter, all, none, count);
  const list = node("div", "nbtrack-metrics-list");
  root.append(bar, list);
  el.append(root);
  for (const type of ["keydown", "keypress", "keyup"]) {
    root.addEventListener(type, (event) => event.stopPropagation());
  }

  const send = (value) => {
    model.set("value", value);
    model.save_changes();
  };

  function draw() {
    const keys = model.get("allowed_tags");
    const chosen = new Set(model.get("value"));
    const needle = filter.value.trim().toLowerCase();
    const sections = [];
    for (const [group, members] of groups(keys)) {
      const shown = members.filter((key) => !needle || key.toLowerCase().includes(needle));
      if (!shown.length) continue;
      const section = node("div", "nbtrack-metrics-group");
      section.append(node("span", "nbtrack-metrics-title", group));
      for (const key of shown) {
        const chip = node("button", chosen.has(key) ? "nbtrack-metric on" : "nbtrack-metric", key);
        chip.dataset.key = key;
        chip.title = chosen.has(key) ? "charted (click to hide)" : "click to chart";
        section.append(chip);
      }
      sections.push(section);
    }
    list.replaceChildren(...sections);
    count.textContent = `${chosen.size} of ${keys.length} charted`;
  }

  list.addEventListener("click", (event) => {
    const chip = event.target.closest("button[data-key]");
    if (!chip) return;
    const key = chip.dataset.key;
    const value = model.get("value");
    send(value.includes(key) ? value.filter((k) => k !== key) : value.concat([key]));
  });
  filter.addEventListener("input", draw);
  all.addEventListener("click", () => {
    const needle = filter.value.trim().toLowerCase();
    const value = new Set(model.get("value"));
    for (const key of model.get("allowed_tags")) if (!needle || key.toLowerCase().includes(needle)) value.add(key);
    send([...value]);
  });
  none.addEventListener("click", () => send([]));
  model.on("change:value", draw);
  model.on("change:allowed_tags", draw);
  draw();
  return () => {
    model.off("change:value", draw);
    model.off("change:allowed_tags", draw);
  };
}

export default { render };
