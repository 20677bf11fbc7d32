// The Cypher console page: editor (window.CypherEditor, bundled from npm by `make install`),
// run through POST /api/v1/console/run (session cookie; FAB's REST API is CSRF-exempt and
// checks the console permission), results as a table, a graph (Cytoscape.js) and JSON.
(function () {
  "use strict";
  const root = document.getElementById("console");
  if (!root) return;
  const $ = (id) => document.getElementById(id);
  const starters = JSON.parse($("console-starters").textContent);
  const schema = JSON.parse($("console-schema").textContent);
  const labels = JSON.parse($("console-labels").textContent);
  const MAX_DRAWN = 1000;
  let lastRequest = null;
  let lastResult = null;
  let cy = null;

  const editor = window.CypherEditor.create($("editor"), {
    value: "MATCH (c:Customer) RETURN c LIMIT 25",
    schema: schema,
    onRun: run,
  });

  $("params").addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter") {
      event.preventDefault();
      run();
    }
  });
  $("save-form").addEventListener("submit", (event) => {
    event.preventDefault();
    saveQuery();
  });
  $("run").addEventListener("click", run);
  $("csv").addEventListener("click", exportCsv);
  window.GraphStyle.pngButton($("graph-png"), () => cy, ["console-graph"]);
  $("starter").addEventListener("change", (event) => {
    const starter = starters[Number(event.target.value)];
    if (!starter || event.target.value === "") return;
    editor.setValue(starter.text);
    $("params").value = JSON.stringify(starter.params, null, 2);
    editor.focus();
  });
  document.querySelectorAll("#result-tabs a").forEach((link) => {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      showTab(link.dataset.tab);
    });
  });

  function showTab(name) {
    document.querySelectorAll("#result-tabs li").forEach((li) => {
      li.classList.toggle("active", li.firstElementChild.dataset.tab === name);
    });
    document.querySelectorAll("[data-pane]").forEach((pane) => {
      pane.classList.toggle("hidden", pane.dataset.pane !== name);
    });
    if (name === "graph") drawGraph();
  }

  function request() {
    let params;
    try {
      params = JSON.parse($("params").value.trim() || "{}");
    } catch (error) {
      return { error: labels.params_json.replace("{error}", error.message) };
    }
    if (params === null || typeof params !== "object" || Array.isArray(params)) {
      return { error: labels.params_object };
    }
    return { query: editor.getValue(), params: params };
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json, text/csv" },
      body: JSON.stringify(body),
    });
  }

  async function failure(response) {
    try {
      const body = await response.json();
      return body.message || response.statusText;
    } catch (error) {
      return response.status + " " + response.statusText;
    }
  }

  function showError(message) {
    $("error").textContent = message;
    $("error").classList.toggle("hidden", !message);
  }

  async function run() {
    const body = request();
    showError("");
    if (body.error) return showError(body.error);
    $("run").disabled = true;
    $("status").textContent = labels.running;
    try {
      const response = await post(root.dataset.runUrl, body);
      if (!response.ok) {
        $("status").textContent = "";
        return showError(await failure(response));
      }
      lastRequest = body;
      lastResult = await response.json();
      render(lastResult);
    } catch (error) {
      $("status").textContent = "";
      showError(labels.no_answer.replace("{error}", error.message));
    } finally {
      $("run").disabled = false;
      loadHistory();
    }
  }

  function render(result) {
    const rows = result.rows.length;
    const counted = rows === 1 ? labels.one_row : labels.rows.replace("{n}", rows);
    $("status").textContent = labels.took.replace("{rows}", counted).replace("{ms}", result.duration_ms);
    $("truncated").classList.toggle("hidden", !result.truncated);
    $("csv").disabled = false;
    renderTable(result);
    $("json").textContent = JSON.stringify(result, null, 2);
    if (cy) {
      cy.destroy();
      cy = null;
    }
    const graphTab = document.querySelector('#result-tabs a[data-tab="graph"]').parentElement;
    if (graphTab.classList.contains("active")) drawGraph();
  }

  function renderTable(result) {
    const head = document.querySelector("#result-table thead");
    const body = document.querySelector("#result-table tbody");
    head.replaceChildren();
    body.replaceChildren();
    const headRow = document.createElement("tr");
    result.columns.forEach((column) => {
      const th = document.createElement("th");
      th.textContent = column;
      headRow.appendChild(th);
    });
    head.appendChild(headRow);
    const fragment = document.createDocumentFragment();
    result.rows.forEach((row) => {
      const tr = document.createElement("tr");
      row.forEach((value) => {
        const td = document.createElement("td");
        td.textContent = cell(value);
        tr.appendChild(td);
      });
      fragment.appendChild(tr);
    });
    body.appendChild(fragment);
  }

  function isNode(value) {
    return value && typeof value === "object" && "labels" in value && "properties" in value;
  }

  function isRelationship(value) {
    return value && typeof value === "object" && "type" in value && "start" in value && "properties" in value;
  }

  function caption(node) {
    const p = node.properties;
    return p.name || p.display_name || p.summary || p.subject || p.product || p.uid || node.id;
  }

  function cell(value) {
    if (value === null || value === undefined) return "";
    if (isNode(value)) return "(:" + value.labels.join(":") + " " + JSON.stringify(value.properties) + ")";
    if (isRelationship(value)) return "[:" + value.type + " " + JSON.stringify(value.properties) + "]";
    if (typeof value === "object") return JSON.stringify(value);
    return String(value);
  }

  function drawGraph() {
    if (cy || !lastResult || !window.cytoscape) return;
    const nodes = lastResult.graph.nodes.slice(0, MAX_DRAWN);
    const ids = new Set(nodes.map((n) => n.id));
    const elements = nodes.map((n) => ({
      // The type is the node's colour and shape (the shared legend), a customer's stage its ring.
      data: {
        id: "n" + n.id, kind: n.labels[0] || "", caption: String(caption(n)),
        stage: typeof n.properties.stage === "string" ? n.properties.stage : undefined,
      },
    }));
    lastResult.graph.edges.forEach((e) => {
      if (ids.has(e.start) && ids.has(e.end)) {
        elements.push({ data: { id: "e" + e.id, source: "n" + e.start, target: "n" + e.end, label: e.type } });
      }
    });
    cy = window.cytoscape({
      container: $("graph"),
      elements: elements,
      wheelSensitivity: 0.3,
      style: window.GraphStyle.styles([
        { selector: "edge", style: { label: "data(label)", "font-size": 8, color: "#777", "text-rotation": "autorotate" } },
      ]),
    });
    cy.layout({ name: "cose", animate: false, nodeDimensionsIncludeLabels: true, fit: false }).run();
    window.GraphStyle.separateLabels(cy.elements());
    window.GraphStyle.fitReadable(cy, cy.elements(), null);
    window.GraphStyle.legend($("graph-legend-box"), cy);
    window.cy = cy;
  }

  async function exportCsv() {
    if (!lastRequest) return;
    showError("");
    const response = await post(root.dataset.csvUrl, lastRequest);
    loadHistory();
    if (!response.ok) return showError(await failure(response));
    const url = URL.createObjectURL(await response.blob());
    const link = document.createElement("a");
    link.href = url;
    link.download = "console-result.csv";
    document.body.appendChild(link);
    link.click();
    link.remove();
    URL.revokeObjectURL(url);
  }

  // Saved queries (own and shared) and the user's history: GET/POST/PUT/DELETE
  // /api/v1/console/saved[/<id>] and GET /api/v1/console/history.
  let savedQueries = [];

  function send(method, url, body) {
    const options = {
      method: method,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(url, options);
  }

  async function apiError(response) {
    try {
      const body = await response.json();
      const message = body.message;
      if (message && typeof message === "object") {
        return Object.entries(message)
          .map(([field, errors]) => field + ": " + [].concat(errors).join(" "))
          .join("; ");
      }
      return message || response.statusText;
    } catch (error) {
      return response.status + " " + response.statusText;
    }
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function load(query, params) {
    editor.setValue(query);
    $("params").value = JSON.stringify(params || {}, null, 2);
    editor.focus();
  }

  async function loadSaved() {
    try {
      const response = await send("GET", root.dataset.savedUrl);
      if (!response.ok) return;
      savedQueries = (await response.json()).result;
    } catch (error) {
      return;
    }
    const list = $("saved-list");
    list.replaceChildren();
    if (!savedQueries.length) list.appendChild(element("li", "list-group-item text-muted", labels.none_saved));
    savedQueries.forEach((saved) => {
      const item = element("li", "list-group-item console-saved-item");
      item.dataset.id = saved.id;
      const actions = element("span", "console-item-actions");
      const loadButton = element("button", "btn btn-link btn-xs console-load", labels.load);
      loadButton.type = "button";
      actions.appendChild(loadButton);
      if (saved.mine) {
        const remove = element("button", "btn btn-link btn-xs text-danger console-delete", labels.delete);
        remove.type = "button";
        remove.addEventListener("click", (event) => {
          event.stopPropagation();
          deleteSaved(saved);
        });
        actions.appendChild(remove);
      }
      item.appendChild(actions);
      item.appendChild(element("strong", "console-item-name", saved.name));
      let badge = labels.mine_private;
      if (saved.mine && saved.shared) badge = labels.mine_shared;
      if (!saved.mine) badge = labels.shared_by.replace("{owner}", saved.owner);
      item.appendChild(document.createTextNode(" "));
      item.appendChild(element("span", "label label-default", badge));
      if (saved.description) item.appendChild(element("div", "text-muted console-item-meta", saved.description));
      item.appendChild(element("span", "console-item-query", saved.query));
      item.addEventListener("click", () => {
        load(saved.query, saved.params);
        $("save-name").value = saved.name;
        $("save-description").value = saved.description;
        $("save-shared").checked = saved.mine && saved.shared;
      });
      list.appendChild(item);
    });
  }

  async function saveQuery() {
    const status = $("save-status");
    status.textContent = "";
    showError("");
    const name = $("save-name").value.trim();
    if (!name) return showError(labels.name_required);
    const body = request();
    if (body.error) return showError(body.error);
    const values = {
      name: name,
      description: $("save-description").value,
      query: body.query,
      params: body.params,
      shared: $("save-shared").checked,
    };
    const existing = savedQueries.find((saved) => saved.mine && saved.name === name);
    if (existing && !window.confirm(labels.confirm_overwrite.replace("{name}", name))) return;
    $("save").disabled = true;
    try {
      const response = existing
        ? await send("PUT", root.dataset.savedUrl + "/" + existing.id, values)
        : await send("POST", root.dataset.savedUrl, values);
      if (!response.ok) return showError(await apiError(response));
      status.textContent = labels.saved_ok;
      await loadSaved();
    } catch (error) {
      showError(labels.no_answer.replace("{error}", error.message));
    } finally {
      $("save").disabled = false;
    }
  }

  async function deleteSaved(saved) {
    if (!window.confirm(labels.confirm_delete.replace("{name}", saved.name))) return;
    showError("");
    const response = await send("DELETE", root.dataset.savedUrl + "/" + saved.id);
    if (!response.ok) return showError(await apiError(response));
    await loadSaved();
  }

  // A run's time as every page shows times (views/display.py): in the business time
  // zone, "2026-12-02 06:37 UTC+8", whatever the browser's own locale and zone.
  const timeParts = new Intl.DateTimeFormat("en-US", {
    timeZone: root.dataset.timezone, year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZoneName: "shortOffset",
  });
  function shownTime(iso) {
    const parts = {};
    timeParts.formatToParts(new Date(iso)).forEach((part) => { parts[part.type] = part.value; });
    const zone = parts.timeZoneName.replace("GMT", "UTC");
    return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} ${zone}`;
  }

  async function loadHistory() {
    let runs;
    try {
      const response = await send("GET", root.dataset.historyUrl);
      if (!response.ok) return;
      runs = (await response.json()).result;
    } catch (error) {
      return;
    }
    const list = $("history-list");
    list.replaceChildren();
    if (!runs.length) list.appendChild(element("li", "list-group-item text-muted", labels.none_history));
    runs.forEach((entry) => {
      const item = element("li", "list-group-item console-history-item");
      const ok = entry.outcome === "ok";
      const meta = element("div", "console-item-meta");
      const outcome = labels["outcome_" + entry.outcome] || entry.outcome;
      meta.appendChild(element("span", "label " + (ok ? "label-success" : "label-danger"), outcome));
      let facts = " " + shownTime(entry.at);
      if (entry.rows !== null) {
        facts += " · " + (entry.rows === 1 ? labels.one_row : labels.rows.replace("{n}", entry.rows.toLocaleString("en-US")));
      }
      if (entry.duration_ms !== null) facts += " · " + entry.duration_ms + " ms";
      if (entry.action === "export") facts += " · " + labels.export;
      meta.appendChild(document.createTextNode(facts));
      item.appendChild(meta);
      item.appendChild(element("span", "console-item-query", entry.query));
      item.title = entry.query;
      item.addEventListener("click", () => load(entry.query, entry.params));
      list.appendChild(item);
    });
  }

  loadSaved();
  loadHistory();
})();
