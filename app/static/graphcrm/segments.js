// The segment as a graph: members, their tags, channels and referrers (see views/segments.py).
(function () {
  "use strict";
  var box = document.getElementById("segment-graph");
  if (!box || typeof cytoscape === "undefined") { return; }
  fetch(box.dataset.url, { credentials: "same-origin" })
    .then(function (response) { return response.json(); })
    .then(function (graph) {
      var cy = cytoscape({
        container: box,
        elements: { nodes: graph.nodes, edges: graph.edges },
        layout: { name: "cose", animate: false },
        style: [
          { selector: "node", style: { label: "data(label)", "font-size": 10, "background-color": "#888" } },
          { selector: "node[kind = 'member']", style: { "background-color": "#337ab7" } },
          { selector: "node[kind = 'Tag']", style: { "background-color": "#f0ad4e", shape: "round-rectangle" } },
          { selector: "node[kind = 'Channel']", style: { "background-color": "#5cb85c", shape: "diamond" } },
          { selector: "edge", style: { width: 1, "curve-style": "bezier", "target-arrow-shape": "triangle" } }
        ]
      });
      cy.on("tap", "node[url]", function (event) { window.location = event.target.data("url"); });
    });
})();
