// The referral chain page: the chain and tree as a Cytoscape graph laid out in ranks
// (cytoscape-dagre: whoever referred is above whom they referred), node spacing from the
// label sizes. A click on a node folds or unfolds its subtree (a folded node shows how many
// it hides); a large tree starts folded below the depth that fits a first view. Data comes
// from the page (#referral-data); "Expand" asks /api/v1/referrals/<uid>/tree for the next
// level of a leaf. Colours, shapes and legend are the shared ones (graph-style.js).
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("referral-data").textContent);
  const labels = data.labels;
  const style = window.GraphStyle;
  // A first view shows at most this many nodes, and at most WIDEST side by side.
  const BUDGET = 40;
  const WIDEST = 14;
  const LONGEST_NAME = 40;
  let answers = 0; // placeholder ids are per answer: prefix them so they never collide

  function $(id) { return document.getElementById(id); }

  function maxRevenue(list) {
    return list.reduce((top, n) => Math.max(top, n.revenue || 0), 0);
  }

  function shortName(name) {
    const text = name || "";
    return text.length > LONGEST_NAME ? text.slice(0, LONGEST_NAME - 1) + "…" : text;
  }

  // Cytoscape elements for a list of nodes of one answer (chain or tree); `inTree` marks
  // the customer's own subtree (foldable), `base` is the depth of the answer's root.
  function elementsOf(list, inTree, base) {
    const prefix = "a" + (answers += 1) + ":";
    const idOf = (id) => (id && id.startsWith("anon-") ? prefix + id : id);
    const top = Math.max(maxRevenue(list), maxRevenue(cy ? cy.nodes().map((n) => n.data()) : []));
    const out = [];
    for (const node of list) {
      const id = idOf(node.id);
      const revenue = node.revenue || 0;
      const common = { id: id, placeholder: !!node.placeholder, tree: inTree, depth: base + node.depth };
      out.push({
        group: "nodes",
        data: node.placeholder
          ? { ...common, label: "?", caption: "?", size: 24 }
          : {
              ...common, uid: node.uid, kind: node.label, label: node.name,
              caption: shortName(node.name), stage: node.stage || undefined,
              revenue: revenue, url: node.url || null,
              size: 24 + (top > 0 ? 28 * Math.sqrt(revenue / top) : 0),
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

  function children(node) { return node.outgoers().nodes(); }

  // What a node shows: its name, and when folded how many it hides.
  function captionOf(node) {
    const d = node.data();
    const name = d.placeholder ? "?" : shortName(d.label);
    if (!d.collapsed) return name;
    return name + "\n" + style.spec.texts.more.replace("{n}", String(node.successors().nodes().length));
  }

  // Show the chain, and the tree down to (and including) each folded node.
  function refresh() {
    const shown = new Set(cy.nodes().filter((n) => !n.data("tree")).map((n) => n.id()));
    const queue = root.empty() ? [] : [root];
    while (queue.length) {
      const node = queue.shift();
      shown.add(node.id());
      if (!node.data("collapsed")) {
        children(node).forEach((c) => { if (!shown.has(c.id())) queue.push(c); });
      }
    }
    cy.batch(() => {
      cy.nodes().forEach((n) => {
        if (n.data("collapsed") && children(n).empty()) n.data("collapsed", false);
        n.style("display", shown.has(n.id()) ? "element" : "none");
        n.data("caption", captionOf(n));
      });
    });
    style.legend($("referral-legend"), cy);
  }

  // Ranks from the top referrer down; `keep` (a node) stays where it was on screen.
  function layout(keep) {
    const before = keep ? { ...keep.renderedPosition() } : null;
    cy.elements(":visible").layout({
      name: "dagre", rankDir: "TB", nodeSep: 24, rankSep: 56, edgeSep: 12,
      nodeDimensionsIncludeLabels: true, animate: false, fit: false,
    }).run();
    if (before) {
      const after = keep.renderedPosition();
      cy.panBy({ x: before.x - after.x, y: before.y - after.y });
    }
  }

  // Fold the tree below the deepest level at which the first view stays small enough.
  function foldForFirstView() {
    const perDepth = {};
    cy.nodes().filter((n) => n.data("tree") && n.data("depth") > 0).forEach((n) => {
      perDepth[n.data("depth")] = (perDepth[n.data("depth")] || 0) + 1;
    });
    let shown = 1;
    let depth = 1;
    for (let d = 1; perDepth[d]; d += 1) {
      shown += perDepth[d];
      if (d > 1 && (shown > BUDGET || perDepth[d] > WIDEST)) break;
      depth = d;
    }
    cy.nodes().forEach((n) => {
      n.data("collapsed", !!n.data("tree") && n.data("depth") === depth && children(n).nonempty());
    });
  }

  function setAll(collapsed) {
    cy.nodes().forEach((n) => {
      n.data("collapsed", collapsed && !!n.data("tree") && n.data("depth") >= 1 && children(n).nonempty());
    });
    refresh();
    layout();
    firstView();
  }

  function firstView() { style.fitReadable(cy, cy.elements(":visible"), root); }

  function select(node) {
    const d = node.data();
    $("selected-name").textContent = d.placeholder ? labels.hidden : d.label;
    $("selected-detail").textContent = d.placeholder ? "" :
      [d.uid, data.stages[d.stage] || "", d.kind === "Customer" ? labels.revenue + " " + d.revenue.toFixed(2) : ""]
        .filter(Boolean).join(" · ");
    const open = $("selected-open");
    open.classList.toggle("hidden", !d.url);
    if (d.url) open.href = d.url;
    // "Expand" loads whom a customer referred: a leaf of the tree, or a chain member's
    // other referrals; once.
    const loadable = !d.placeholder && d.kind === "Customer" && !d.loaded
      && (children(node).empty() || !d.tree);
    $("selected-expand").classList.toggle("hidden", !loadable);
    $("selected-expand").dataset.uid = d.uid || "";
  }

  // A click folds or unfolds the node's subtree (nodes of the tree with children only).
  function toggle(node) {
    if (!node.data("tree") || children(node).empty()) return;
    const unfolding = !!node.data("collapsed");
    node.data("collapsed", !unfolding);
    // Unfolding shows one level: the children's own subtrees stay folded.
    if (unfolding) children(node).forEach((c) => { c.data("collapsed", children(c).nonempty()); });
    refresh();
    layout(node);
  }

  async function expand(uid) {
    const url = data.tree_url.replace("__uid__", encodeURIComponent(uid)) + "?depth=1";
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!response.ok) return;
    const tree = (await response.json()).result;
    const parent = cy.getElementById(uid);
    parent.data("loaded", true);
    const withUrls = tree.nodes.map((n) => (n.placeholder ? n
      : { ...n, url: data.customer_url.replace("__uid__", encodeURIComponent(n.uid)) }));
    if (add(elementsOf(withUrls, !!parent.data("tree"), parent.data("depth") || 0))) {
      parent.data("collapsed", false);
      refresh();
      layout(parent);
    }
    select(parent);
  }

  const cy = window.cytoscape({
    container: $("referral-graph"),
    elements: [],
    wheelSensitivity: 0.3,
    minZoom: 0.1,
    maxZoom: 3,
    style: style.styles([{ selector: "node[size]", style: { width: "data(size)", height: "data(size)" } }]),
  });
  window.cy = cy;
  // The chain above the customer (negative depths), the customer, then its tree.
  add(elementsOf(data.chain, false, 0));
  cy.nodes().forEach((n) => { n.data("depth", -n.data("depth")); });
  const root = cy.getElementById(data.root_id);
  root.data({ tree: true, depth: 0 });
  add(elementsOf(data.tree, true, 0));
  foldForFirstView();
  refresh();
  layout();
  firstView();

  cy.on("tap", "node", (event) => {
    select(event.target);
    toggle(event.target);
  });
  cy.on("dbltap", "node", (event) => {
    const url = event.target.data("url");
    if (url) window.location.href = url;
  });
  $("selected-expand").addEventListener("click", (event) => {
    const uid = event.currentTarget.dataset.uid;
    if (uid) expand(uid);
  });
  $("referral-fit").addEventListener("click", firstView);
  $("referral-expand-all").addEventListener("click", () => setAll(false));
  $("referral-collapse-all").addEventListener("click", () => setAll(true));
  style.pngButton($("referral-png"), cy, ["referrals", data.uid]);
  if (!root.empty()) { root.select(); select(root); }
})();
