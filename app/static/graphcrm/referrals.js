// The referral chain page: the chain and tree as an interactive Cytoscape graph.
// Data comes from the page (#referral-data); "Expand" asks /api/v1/referrals/<uid>/tree.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("referral-data").textContent);
  const labels = data.labels;
  const COLOURS = { potential: "#9ecae1", intent: "#fdae6b", deal: "#74c476", lost: "#bdbdbd" };
  const SHAPES = { Customer: "ellipse", Contact: "diamond", Referrer: "round-rectangle" };
  let answers = 0; // placeholder ids are per answer: prefix them so they never collide

  function $(id) { return document.getElementById(id); }

  function maxRevenue(list) {
    return list.reduce((top, n) => Math.max(top, n.revenue || 0), 0);
  }

  // Cytoscape elements for a list of nodes of one answer (chain or tree).
  function elementsOf(list) {
    const prefix = "a" + (answers += 1) + ":";
    const idOf = (id) => (id && id.startsWith("anon-") ? prefix + id : id);
    const top = Math.max(maxRevenue(list), maxRevenue(cy ? cy.nodes().map((n) => n.data()) : []));
    const out = [];
    for (const node of list) {
      const id = idOf(node.id);
      const revenue = node.revenue || 0;
      out.push({
        group: "nodes",
        data: node.placeholder
          ? { id: id, label: "?", placeholder: true, colour: "#eeeeee", size: 24, shape: "ellipse" }
          : {
              id: id, uid: node.uid, kind: node.label, label: node.name, stage: node.stage,
              revenue: revenue, url: node.url || null, placeholder: false,
              colour: COLOURS[node.stage] || "#c6dbef", shape: SHAPES[node.label] || "ellipse",
              size: 24 + (top > 0 ? 40 * Math.sqrt(revenue / top) : 0),
            },
      });
      if (node.parent) {
        const source = idOf(node.parent);
        out.push({ group: "edges", data: { id: source + "->" + id, source: source, target: id } });
      }
    }
    return out;
  }

  // Add elements that are not on the graph yet (visible nodes share their uid as id).
  function add(elements) {
    const fresh = elements.filter((e) => cy.getElementById(e.data.id).empty());
    const nodes = fresh.filter((e) => e.group === "nodes");
    cy.add(nodes);
    cy.add(fresh.filter((e) => e.group === "edges" && !cy.getElementById(e.data.source).empty()
      && !cy.getElementById(e.data.target).empty()));
    return nodes.length;
  }

  function layout() {
    const top = data.chain[data.chain.length - 1];
    cy.layout({
      name: "breadthfirst", directed: true, spacingFactor: 1.1, animate: false,
      roots: top && !top.placeholder ? [top.id] : undefined,
    }).run();
  }

  function select(node) {
    const d = node.data();
    $("selected-name").textContent = d.placeholder ? labels.hidden : d.label;
    $("selected-detail").textContent = d.placeholder ? "" :
      [d.uid, data.stages[d.stage] || "", d.kind === "Customer" ? labels.revenue + " " + d.revenue.toFixed(2) : ""]
        .filter(Boolean).join(" · ");
    const open = $("selected-open");
    open.classList.toggle("hidden", !d.url);
    if (d.url) open.href = d.url;
    $("selected-expand").classList.toggle("hidden", d.placeholder || d.kind !== "Customer");
    $("selected-expand").dataset.uid = d.uid || "";
  }

  async function expand(uid) {
    const url = data.tree_url.replace("__uid__", encodeURIComponent(uid)) + "?depth=1";
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!response.ok) return;
    const tree = (await response.json()).result;
    const withUrls = tree.nodes.map((n) => (n.placeholder ? n
      : { ...n, url: data.customer_url.replace("__uid__", encodeURIComponent(n.uid)) }));
    if (add(elementsOf(withUrls))) layout();
  }

  const cy = window.cytoscape({
    container: $("referral-graph"),
    elements: [],
    wheelSensitivity: 0.3,
    style: [
      {
        selector: "node",
        style: {
          label: "data(label)", "font-size": 10, "text-valign": "bottom", "text-margin-y": 3,
          "background-color": "data(colour)", width: "data(size)", height: "data(size)",
          shape: "data(shape)", "border-width": 1, "border-color": "#666",
        },
      },
      { selector: "node[?placeholder]", style: { "border-style": "dashed", color: "#999" } },
      { selector: "node:selected", style: { "border-width": 3, "border-color": "#337ab7" } },
      {
        selector: "edge",
        style: { "curve-style": "bezier", "target-arrow-shape": "triangle", width: 1.5, "line-color": "#aaa", "target-arrow-color": "#aaa" },
      },
    ],
  });
  window.cy = cy;
  add(elementsOf(data.chain));
  add(elementsOf(data.tree));
  layout();
  cy.on("tap", "node", (event) => select(event.target));
  cy.on("dbltap", "node", (event) => {
    const url = event.target.data("url");
    if (url) window.location.href = url;
  });
  $("selected-expand").addEventListener("click", (event) => {
    const uid = event.currentTarget.dataset.uid;
    if (uid) expand(uid);
  });
  const root = cy.getElementById(data.root_id);
  if (!root.empty()) { root.select(); select(root); }
})();
