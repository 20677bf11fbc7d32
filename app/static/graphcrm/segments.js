// The segment as a graph: members, their tags, channels and referring customers (see
// views/segments/pages.py). Grouped by channel or tag (the reader's choice): one box per
// channel (or per combination of tags) holding its members in a grid, referral edges
// between them, referrers from outside the segment in a box of their own. "Not grouped"
// draws the plain network. Colours, shapes, legend and PNG are shared (graph-style.js).
(function () {
  "use strict";
  const box = document.getElementById("segment-graph");
  if (!box || !window.cytoscape) return;
  const style = window.GraphStyle;
  const texts = JSON.parse(document.getElementById("segment-graph-texts").textContent);
  const choice = document.getElementById("segment-group");
  const GAP = 24; // between members of a group
  const GROUP_GAP = 70; // between groups (room for the group's title)
  const ROW_WIDTH = 1400; // groups wrap to a new row past this width (model units)
  let graph = null;
  let cy = null;

  function memberNode(node, parent) {
    return {
      group: "nodes",
      data: { ...node.data, caption: node.data.label, parent: parent || undefined },
    };
  }

  // The plain network: members, tags, channels and referrers, every edge.
  function network() {
    return graph.nodes.map((n) => memberNode(n)).concat(graph.edges.map((e) => ({ group: "edges", data: e.data })));
  }

  // One box per group: the member's channel, or its combination of tags; referral edges
  // between members and from referrers outside the segment (in a box of their own).
  function grouped(by) {
    const names = {};
    graph.nodes.forEach((n) => { names[n.data.id] = n.data.label; });
    const keys = {};
    graph.edges.forEach((e) => {
      if (e.data.kind !== by) return;
      (keys[e.data.source] = keys[e.data.source] || []).push(names[e.data.target]);
    });
    const none = by === "Tag" ? texts.no_tag : texts.no_channel;
    const members = graph.nodes.filter((n) => n.data.member);
    const memberIds = new Set(members.map((n) => n.data.id));
    const groups = {};
    members.forEach((n) => {
      const key = (keys[n.data.id] || []).sort().join(" · ") || none;
      (groups[key] = groups[key] || []).push(n);
    });
    const referrals = graph.edges.filter((e) => e.data.kind === "Customer");
    const outside = graph.nodes.filter((n) => !n.data.member && n.data.kind === "Customer"
      && referrals.some((e) => e.data.source === n.data.id));
    if (outside.length) groups[texts.outside] = outside;
    const out = [];
    Object.keys(groups).forEach((key, i) => {
      const id = "group:" + i;
      out.push({ group: "nodes", data: { id: id, caption: key + " (" + groups[key].length + ")", grouping: true, title: key } });
      groups[key].forEach((n) => out.push(memberNode(n, id)));
    });
    referrals.forEach((e) => {
      if (memberIds.has(e.data.target)) out.push({ group: "edges", data: e.data });
    });
    return out;
  }

  // Each group a grid of its members (cells as wide as its longest label), the groups
  // side by side, largest first, wrapping into rows.
  function pack() {
    const boxes = cy.nodes("[?grouping]").sort((a, b) => b.children().length - a.children().length);
    let x = 0;
    let y = 0;
    let rowHeight = 0;
    boxes.forEach((group) => {
      const members = group.children().sort((a, b) => String(a.data("caption")).localeCompare(String(b.data("caption"))));
      const sizes = members.map((m) => m.layoutDimensions({ nodeDimensionsIncludeLabels: true }));
      const cellW = Math.max(...sizes.map((s) => s.w)) + GAP;
      const cellH = Math.max(...sizes.map((s) => s.h)) + GAP;
      const columns = Math.max(1, Math.min(members.length, Math.ceil(Math.sqrt(members.length * 2))));
      const rows = Math.ceil(members.length / columns);
      const width = columns * cellW;
      if (x > 0 && x + width > ROW_WIDTH) {
        x = 0;
        y += rowHeight + GROUP_GAP;
        rowHeight = 0;
      }
      members.forEach((m, i) => {
        // A label hangs below its node: shift the node up by half the label's height.
        const offset = (sizes[i].h - m.height()) / 2;
        m.position({ x: x + (i % columns + 0.5) * cellW, y: y + (Math.floor(i / columns) + 0.5) * cellH - offset });
      });
      x += width + GROUP_GAP;
      rowHeight = Math.max(rowHeight, rows * cellH);
    });
  }

  function draw() {
    if (!graph) return;
    if (cy) cy.destroy();
    const by = choice ? choice.value : "";
    cy = window.cytoscape({
      container: box,
      elements: by ? grouped(by) : network(),
      wheelSensitivity: 0.3,
      minZoom: 0.1,
      maxZoom: 3,
      style: style.styles([
        { selector: "node[?grouping]", style: { "font-size": 13, color: "#333" } },
        // Grouped, the referrals stay faint until a member is selected.
        { selector: "edge.faint", style: { opacity: 0.25, width: 1 } },
        { selector: "edge.near", style: { opacity: 1, width: 2, "line-color": "#337ab7", "target-arrow-color": "#337ab7" } },
      ]),
    });
    window.cy = cy;
    if (by) {
      pack();
      cy.edges().addClass("faint");
      cy.on("select", "node", (event) => { event.target.connectedEdges().addClass("near"); });
      cy.on("unselect", "node", (event) => { event.target.connectedEdges().removeClass("near"); });
    } else {
      cy.layout({ name: "cose", animate: false, nodeDimensionsIncludeLabels: true, fit: false }).run();
      style.separateLabels(cy.elements());
    }
    style.fitReadable(cy, cy.elements(), null);
    style.legend(document.getElementById("segment-legend"), cy);
    cy.on("dbltap", "node[url]", (event) => { window.location = event.target.data("url"); });
  }

  fetch(box.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then((response) => response.json())
    .then((answer) => { graph = answer; draw(); });
  if (choice) choice.addEventListener("change", draw);
  document.getElementById("segment-fit").addEventListener("click", () => { if (cy) cy.fit(cy.elements(), 30); });
  style.pngButton(document.getElementById("segment-png"), () => cy, () => [
    "segment", box.dataset.file, choice && choice.value ? choice.value.toLowerCase() : "network",
  ]);
})();
