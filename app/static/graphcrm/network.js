// The network explorer: a Cytoscape graph grown one step at a time.
// The start node and its neighbours come from the page (#network-data); clicking a node
// asks /api/v1/network/<Label>/<uid>/neighbours for more. Checkboxes hide relationship
// types; "Export PNG" / "Export JSON" save what is visible (cy.png(), cy.json()).
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("network-data").textContent);
  const labels = data.labels;
  const COLOURS = {
    Customer: "#74c476", Contact: "#9ecae1", Referrer: "#fdae6b", Tag: "#fdd0a2",
    Channel: "#bcbddc", Segment: "#fb6a4a", User: "#c6dbef", FollowUp: "#d9d9d9",
    Order: "#a1d99b", Ticket: "#fcbba1",
  };
  const SHAPES = { Customer: "ellipse", Tag: "tag", Channel: "hexagon", Segment: "star", User: "round-rectangle" };
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
          ? { id: idOf(node.id), title: "?", placeholder: true, colour: "#eeeeee", shape: "ellipse" }
          : {
              id: node.id, uid: node.uid, kind: node.label, title: node.title || node.uid,
              placeholder: false, colour: COLOURS[node.label] || "#c6dbef",
              shape: SHAPES[node.label] || "ellipse",
            },
      });
    }
    for (const edge of answer.edges) {
      const source = idOf(edge.source);
      const target = idOf(edge.target);
      out.push({
        group: "edges",
        data: { id: source + "-" + edge.type + "->" + target, source: source, target: target, type: edge.type },
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
    cy.layout({ name: "cose", animate: false, randomize: false, nodeDimensionsIncludeLabels: true }).run();
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

  function download(name, href) {
    const link = document.createElement("a");
    link.href = href;
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
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
    style: [
      {
        selector: "node",
        style: {
          label: "data(title)", "font-size": 10, "text-valign": "bottom", "text-margin-y": 3,
          "background-color": "data(colour)", shape: "data(shape)", width: 28, height: 28,
          "border-width": 1, "border-color": "#666",
        },
      },
      { selector: "node[?placeholder]", style: { "border-style": "dashed", color: "#999" } },
      { selector: "node[?expanded]", style: { "border-width": 2 } },
      { selector: "node:selected", style: { "border-width": 3, "border-color": "#337ab7" } },
      {
        selector: "edge",
        style: {
          "curve-style": "bezier", "target-arrow-shape": "triangle", width: 1.5, label: "data(type)",
          "font-size": 7, color: "#888", "line-color": "#aaa", "target-arrow-color": "#aaa",
        },
      },
    ],
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
  $("network-export-png").addEventListener("click", () => {
    download("network.png", cy.png({ full: true, bg: "#ffffff", scale: 2 }));
  });
  $("network-export-json").addEventListener("click", () => {
    const payload = { cytoscape: cy.json(), visible: visibleJson() };
    const blob = new Blob([JSON.stringify(payload, null, 2)], { type: "application/json" });
    const url = URL.createObjectURL(blob);
    download("network.json", url);
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  });
})();
