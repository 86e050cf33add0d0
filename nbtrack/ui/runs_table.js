// nbtrack runs table: draws the rows Python computed and reports sort, filter and selection.
// Vanilla ESM with no imports, so it works offline and in exported notebooks.

const PAGE = 200; // rows drawn at first; "show more" adds another page

function node(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

function formatNumber(value) {
  if (Number.isInteger(value)) return String(value);
  if (!Number.isFinite(value)) return String(value);
  return String(Number(value.toPrecision(4)));
}

function formatDuration(seconds) {
  if (typeof seconds !== "number") return "";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

function fillCell(td, key, value, stateColors) {
  if (value === null || value === undefined) return;
  if (key === "state") {
    const chip = node("span", "nbtrack-state", value);
    chip.style.color = stateColors[value] || "inherit";
    td.append(chip);
  } else if (key === "tags") {
    for (const tag of value) td.append(node("span", "nbtrack-tag", tag));
  } else if (key === "created_at") {
    td.textContent = String(value).slice(0, 19);
  } else if (key === "runtime") {
    td.textContent = formatDuration(value);
  } else if (typeof value === "number") {
    td.textContent = formatNumber(value);
    td.classList.add("num");
  } else {
    td.textContent = String(value);
  }
  td.title = Array.isArray(value) ? value.join(", ") : String(value);
}

function render({ model, el }) {
  const root = node("div", "nbtrack-runs");
  const bar = node("div", "nbtrack-runs-bar");
  const search = node("input", "nbtrack-runs-search");
  search.type = "search";
  search.placeholder = "Filter runs: name, id, tag, group, notes";
  search.value = model.get("filter_text");
  const stateSelect = node("select", "nbtrack-runs-state");
  const tagSelect = node("select", "nbtrack-runs-tag");
  const count = node("span", "nbtrack-runs-count");
  bar.append(search, stateSelect, tagSelect, count);
  const wrap = node("div", "nbtrack-runs-wrap");
  const table = node("table", "nbtrack-runs-table");
  const thead = node("thead");
  const tbody = node("tbody");
  table.append(thead, tbody);
  wrap.append(table);
  const more = node("button", "nbtrack-runs-more");
  root.append(bar, wrap, more);
  el.append(root);
  for (const type of ["keydown", "keypress", "keyup"]) {
    bar.addEventListener(type, (event) => event.stopPropagation()); // typing filters runs, not notebook shortcuts
  }

  let limit = PAGE;
  let timer = null;
  let byId = new Map();
  let allBox = null;

  const send = (name, value) => {
    model.set(name, value);
    model.save_changes();
  };
  const setSelected = (ids) => send("selected", ids);

  function fillSelect(select, label, values, current) {
    const options = [node("option", "", label)];
    options[0].value = "";
    for (const value of values) {
      const option = node("option", "", value);
      option.value = value;
      options.push(option);
    }
    select.replaceChildren(...options);
    select.value = current;
  }

  function drawOptions() {
    fillSelect(stateSelect, "All states", model.get("states"), model.get("state_filter"));
    fillSelect(tagSelect, "All tags", model.get("tags"), model.get("tag_filter"));
  }

  function drawHead() {
    const sortKey = model.get("sort_key");
    const arrow = model.get("sort_dir") === "asc" ? " \u25B2" : " \u25BC";
    const order = model.get("order");
    const selected = new Set(model.get("selected"));
    const tr = node("tr");
    const th = node("th", "nbtrack-runs-check");
    const all = (allBox = node("input"));
    all.type = "checkbox";
    all.title = "Select all shown runs";
    all.checked = order.length > 0 && order.every((id) => selected.has(id));
    all.addEventListener("change", () => {
      const shown = new Set(order);
      const kept = model.get("selected").filter((id) => !shown.has(id));
      setSelected(all.checked ? kept.concat(order) : kept);
    });
    th.append(all);
    tr.append(th);
    for (const column of model.get("columns")) {
      const cell = node("th", `kind-${column.kind}`, column.label + (column.key === sortKey ? arrow : ""));
      cell.dataset.key = column.key;
      cell.title = `${column.key} (click to sort)`;
      tr.append(cell);
    }
    thead.replaceChildren(tr);
  }

  function drawBody() {
    const columns = model.get("columns");
    const order = model.get("order");
    const selected = new Set(model.get("selected"));
    const colors = model.get("colors");
    const stateColors = model.get("state_colors");
    const rows = [];
    for (const id of order.slice(0, limit)) {
      const row = byId.get(id);
      if (!row) continue;
      const tr = node("tr", selected.has(id) ? "selected" : "");
      tr.dataset.id = id;
      const check = node("td", "nbtrack-runs-check");
      const box = node("input");
      box.type = "checkbox";
      box.checked = selected.has(id);
      const swatch = node("span", "nbtrack-swatch");
      swatch.style.background = colors[id] || "transparent";
      check.append(box, swatch);
      tr.append(check);
      for (const column of columns) {
        const td = node("td");
        fillCell(td, column.key, row[column.key], stateColors);
        tr.append(td);
      }
      rows.push(tr);
    }
    tbody.replaceChildren(...rows);
    drawCount();
    more.hidden = order.length <= limit;
    more.textContent = `Show ${Math.min(PAGE, order.length - limit)} more`;
  }

  function drawCount() {
    const total = model.get("rows").length;
    const shown = model.get("order").length;
    count.textContent = `${shown} of ${total} runs \u00B7 ${model.get("selected").length} selected`;
  }

  function drawSelection() {
    // Selection and colours change often: update the drawn rows in place.
    const order = model.get("order");
    const selected = new Set(model.get("selected"));
    const colors = model.get("colors");
    for (const tr of tbody.children) {
      const on = selected.has(tr.dataset.id);
      tr.classList.toggle("selected", on);
      tr.querySelector("input").checked = on;
      tr.querySelector(".nbtrack-swatch").style.background = colors[tr.dataset.id] || "transparent";
    }
    if (allBox) allBox.checked = order.length > 0 && order.every((id) => selected.has(id));
    drawCount();
  }

  function drawAll() {
    byId = new Map(model.get("rows").map((row) => [row.id, row]));
    drawHead();
    drawBody();
  }

  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      limit = PAGE;
      send("filter_text", search.value);
    }, 150);
  });
  stateSelect.addEventListener("change", () => send("state_filter", stateSelect.value));
  tagSelect.addEventListener("change", () => send("tag_filter", tagSelect.value));
  more.addEventListener("click", () => {
    limit += PAGE;
    drawBody();
  });
  thead.addEventListener("click", (event) => {
    const cell = event.target.closest("th[data-key]");
    if (!cell) return;
    const key = cell.dataset.key;
    const same = key === model.get("sort_key");
    model.set("sort_dir", same && model.get("sort_dir") === "asc" ? "desc" : "asc");
    model.set("sort_key", key);
    model.save_changes();
  });
  tbody.addEventListener("click", (event) => {
    const tr = event.target.closest("tr[data-id]");
    if (!tr) return;
    const id = tr.dataset.id;
    const current = model.get("selected");
    setSelected(current.includes(id) ? current.filter((x) => x !== id) : current.concat([id]));
  });

  const handlers = [
    ["change:rows change:columns", drawAll],
    ["change:order change:sort_key change:sort_dir", () => (drawHead(), drawBody())],
    ["change:selected change:colors", drawSelection],
    ["change:state_colors", drawBody],
    ["change:states change:tags change:state_filter change:tag_filter", drawOptions],
    ["change:filter_text", () => {
      if (document.activeElement !== search) search.value = model.get("filter_text");
    }],
  ];
  for (const [events, handler] of handlers) {
    for (const name of events.split(" ")) model.on(name, handler);
  }
  drawOptions();
  drawAll();
  return () => {
    clearTimeout(timer);
    for (const [events, handler] of handlers) {
      for (const name of events.split(" ")) model.off(name, handler);
    }
  };
}

export default { render };
