// The network explorer: a Cytoscape graph grown one step at a time.
// The start node and its neighbours come from the page (#network-data); clicking a node
// asks /api/v1/network/<Label>/<uid>/neighbours for more. Checkboxes hide relationship
// types; "Export PNG" / "Export JSON" save what is visible (cy.png(), cy.json()). Colours,
// shapes and the legend are those of every graph (graph-style.js).
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("network-data").textContent);
  const labels = data.labels;
  const style = window.GraphStyle; // the shared colours, shapes, legend and PNG export
  let answers = 0; // placeholder ids are per answer: prefix them so they never collide

  function $(id) { return document.getElementById(id); }

  // --- the start picker: the chosen type's select fills the hidden "start" field ---------
  const kind = $("network-kind");
  function picker(label) { return $("network-pick-" + label); }
  kind.addEventListener("change", () => {
    document.querySelectorAll(".network-picker").forEach((span) => {
      span.classList.toggle("hidden", span.dataset.label !== kind.value);
    });
  });
  $("network-start").addEventListener("submit", (event) => {
    const chosen = picker(kind.value);
    const value = chosen && (window.jQuery ? window.jQuery(chosen).val() : chosen.value);
    if (!value) { event.preventDefault(); return; }
    $("network-start-value").value = kind.value + ":" + value;
  });

  if (!data.graph) return;

  // --- the graph --------------------------------------------------------------------------
  function elementsOf(answer) {
    const prefix = "a" + (answers += 1) + ":";
    const idOf = (id) => (id.startsWith("anon-") ? prefix + id : id);
    const out = [];
    for (const node of answer.nodes) {
      out.push({
        group: "nodes",
        data: node.placeholder
          ? { id: idOf(node.id), title: "?", caption: "?", placeholder: true }
          : {
              id: node.id, uid: node.uid, kind: node.label, title: node.title || node.uid,
              caption: node.title || node.uid, placeholder: false,
            },
      });
    }
    for (const edge of answer.edges) {
      const source = idOf(edge.source);
      const target = idOf(edge.target);
      out.push({
        group: "edges",
        data: {
          id: source + "-" + edge.type + "->" + target, source: source, target: target,
          type: edge.type, name: data.types[edge.type] || edge.type,
        },
      });
    }
    return out;
  }

  // Add elements not on the graph yet (visible nodes share their uid as id).
  function add(elements) {
    const fresh = elements.filter((e) => cy.getElementById(e.data.id).empty());
    const nodes = fresh.filter((e) => e.group === "nodes");
    cy.add(nodes);
    cy.add(fresh.filter((e) => e.group === "edges"));
    filter();
    style.legend($("network-legend"), cy);
    return nodes.length;
  }

  function shownTypes() {
    return Array.from(document.querySelectorAll(".network-type:checked")).map((box) => box.value);
  }

  // Hide edges of unchecked types, and nodes left with no visible edge (the start stays).
  function filter() {
    const shown = new Set(shownTypes());
    cy.batch(() => {
      cy.edges().forEach((edge) => { edge.style("display", shown.has(edge.data("type")) ? "element" : "none"); });
      cy.nodes().forEach((node) => {
        const linked = node.id() === startId || node.connectedEdges().some((e) => shown.has(e.data("type")));
        node.style("display", linked ? "element" : "none");
      });
    });
  }

  function layout() {
    cy.layout({
      name: "cose", animate: false, randomize: false, nodeDimensionsIncludeLabels: true, fit: false,
    }).run();
    style.separateLabels(cy.elements(":visible"));
    style.fitReadable(cy, cy.elements(":visible"), cy.getElementById(startId));
  }

  function truncated(answer) {
    if (!answer.truncated) return;
    const note = $("network-truncated");
    note.textContent = labels.truncated.replace("{n}", String(answer.nodes.length - 1));
    note.classList.remove("hidden");
  }

  async function expand(node) {
    const d = node.data();
    if (d.placeholder || !d.uid || d.expanded) return;
    const url = data.neighbours_url.replace("__label__", encodeURIComponent(d.kind))
      .replace("__uid__", encodeURIComponent(d.uid));
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!response.ok) return;
    const answer = (await response.json()).result;
    node.data("expanded", true);
    truncated(answer);
    if (add(elementsOf(answer))) layout();
  }

  // The visible subgraph only: hidden (filtered) elements are left out of the export.
  function visibleJson() {
    const visible = cy.elements().filter((e) => e.style("display") !== "none");
    return { start: data.start, nodes: visible.nodes().jsons(), edges: visible.edges().jsons() };
  }

  const cy = window.cytoscape({
    container: $("network-graph"),
    elements: [],
    wheelSensitivity: 0.3,
    style: style.styles([
      { selector: "node[?expanded]", style: { "font-weight": "bold" } },
      {
        selector: "edge",
        style: { label: "data(name)", "font-size": 8, color: "#888", "text-rotation": "autorotate" },
      },
    ]),
  });
  window.cy = cy;
  const startId = data.graph.nodes[0].id;
  add(elementsOf(data.graph));
  cy.getElementById(startId).data("expanded", true);
  truncated(data.graph);
  layout();

  cy.on("tap", "node", (event) => { expand(event.target); });
  cy.on("dbltap", "node", (event) => {
    const d = event.target.data();
    const url = !d.placeholder && data.record_urls[d.kind];
    if (url) window.location.href = url.replace("__uid__", encodeURIComponent(d.uid));
  });
  document.querySelectorAll(".network-type").forEach((box) => box.addEventListener("change", filter));
  $("network-fit").addEventListener("click", () => cy.fit(cy.elements(":visible"), 20));
  const start = data.graph.nodes[0];
  style.pngButton($("network-export-png"), cy, ["network", start.title || start.uid]);
  $("network-export-json").addEventListener("click", () => {
    const payload = { cytoscape: cy.json(), visible: visibleJson() };
    const blob = new Blob([JSON.stringify(payload, null, 2)], { type: "application/json" });
    const url = URL.createObjectURL(blob);
    style.download(style.fileName(["network", start.title || start.uid], "json"), url);
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  });
})();
