// The one look of every graph (referral chain, network explorer, segment graph, console):
// a node's type is its fill colour and shape, a customer's stage the colour of its ring, a
// node the reader may not see a dashed grey placeholder. The legend (#graph-legend, from
// views/graph_legend.py) names them in the reader's language. Pages give each node
// data.kind (node type), data.stage, data.placeholder and data.caption (the label drawn).
// Also here: PNG export, a readable first view and the label boxes tests check.
(function () {
  "use strict";
  const spec = JSON.parse(document.getElementById("graph-legend").textContent);
  const SVG = "http://www.w3.org/2000/svg";
  const FONT_SIZE = 12;
  // The smallest zoom of a first view: labels stay about 10 px high.
  const READABLE_ZOOM = 0.85;
  // The largest zoom of a first view.
  const LARGEST_ZOOM = 1.6;

  if (window.cytoscape && window.cytoscapeDagre && !window.cytoscape.dagreRegistered) {
    window.cytoscape.use(window.cytoscapeDagre);
    window.cytoscape.dagreRegistered = true;
  }

  function quoted(value) { return JSON.stringify(String(value)); }

  // A label that wraps between words, and between the characters of Chinese text (a zero
  // width space after each; Cytoscape wraps at spaces only).
  function breakable(text) {
    return String(text || "").replace(/([\u3000-\u303f\u3400-\u9fff\uff00-\uffef])/g, "$1\u200b");
  }

  // Cytoscape styles: the shared ones, then the page's own (`extra`).
  function styles(extra) {
    const out = [
      {
        selector: "node",
        style: {
          label: (node) => breakable(node.data("caption")), "font-size": FONT_SIZE, color: "#222",
          "text-valign": "bottom", "text-halign": "center", "text-margin-y": 4,
          "text-wrap": "wrap", "text-max-width": 130,
          "text-background-color": "#ffffff", "text-background-opacity": 0.85,
          "text-background-padding": 1, width: 26, height: 26,
          "background-color": "#79706e", "border-width": 1, "border-color": "#555",
        },
      },
    ];
    spec.types.forEach((t) => {
      out.push({
        selector: "node[kind = " + quoted(t.label) + "]",
        style: { "background-color": t.colour, shape: t.shape },
      });
    });
    spec.stages.forEach((s) => {
      out.push({
        selector: "node[stage = " + quoted(s.value) + "]",
        style: { "border-color": s.colour, "border-width": 4 },
      });
    });
    out.push(
      {
        selector: "node[?placeholder]",
        style: {
          "background-color": spec.placeholder.colour, "border-style": "dashed",
          "border-color": "#999", "border-width": 1, color: "#777", shape: "ellipse",
        },
      },
      { selector: "node[?collapsed]", style: { "font-weight": "bold" } },
      {
        selector: ":parent",
        style: {
          "background-color": "#f6f6f6", "background-opacity": 1, "border-color": "#c8c8c8",
          "border-width": 1, shape: "round-rectangle", "text-valign": "top", "text-margin-y": -4,
          "font-weight": "bold", padding: 14,
        },
      },
      { selector: "node:selected", style: { "overlay-color": "#337ab7", "overlay-opacity": 0.25, "overlay-padding": 4 } },
      {
        selector: "edge",
        style: {
          "curve-style": "bezier", "target-arrow-shape": "triangle", width: 1.5,
          "line-color": "#b5b5b5", "target-arrow-color": "#b5b5b5", "arrow-scale": 0.8,
        },
      },
    );
    return out.concat(extra || []);
  }

  // A legend swatch: the type's shape and fill, or a stage's ring, as a small SVG.
  function swatch(shape, fill, ring, dashed) {
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("width", "16");
    svg.setAttribute("height", "16");
    svg.setAttribute("viewBox", "0 0 16 16");
    svg.classList.add("graph-swatch");
    const points = {
      diamond: "8,1 15,8 8,15 1,8", triangle: "8,1 15,15 1,15", vee: "1,2 8,6 15,2 8,15",
      hexagon: "4,1 12,1 15,8 12,15 4,15 1,8", tag: "1,2 11,2 15,8 11,14 1,14",
      star: "8,1 10,6 15,6 11,9.5 12.5,15 8,11.5 3.5,15 5,9.5 1,6 6,6",
      "round-octagon": "5,1 11,1 15,5 15,11 11,15 5,15 1,11 1,5",
    }[shape];
    let mark;
    if (points) {
      mark = document.createElementNS(SVG, "polygon");
      mark.setAttribute("points", points);
    } else if (shape === "ellipse") {
      mark = document.createElementNS(SVG, "circle");
      mark.setAttribute("cx", "8"); mark.setAttribute("cy", "8"); mark.setAttribute("r", ring ? "5.5" : "7");
    } else {
      mark = document.createElementNS(SVG, "rect");
      mark.setAttribute("x", "1"); mark.setAttribute("y", "2"); mark.setAttribute("width", "14"); mark.setAttribute("height", "12");
      if (shape !== "rectangle") mark.setAttribute("rx", "3");
    }
    mark.setAttribute("fill", fill);
    mark.setAttribute("stroke", ring || "#555");
    mark.setAttribute("stroke-width", ring ? "3" : "1");
    if (dashed) mark.setAttribute("stroke-dasharray", "2,1.5");
    svg.appendChild(mark);
    return svg;
  }

  function item(box, key, value, mark, text) {
    const span = document.createElement("span");
    span.className = "graph-legend-item";
    span.dataset[key] = value;
    span.appendChild(mark);
    span.appendChild(document.createTextNode(" " + text));
    box.appendChild(span);
  }

  // Fill `box` with the types, stages and placeholder drawn on `cy` now (all of them when
  // `cy` is not given), in the legend's order.
  function legend(box, cy) {
    if (!box) return;
    const nodes = cy ? cy.nodes().filter((n) => !n.isParent()) : null;
    const present = (key, value) => !nodes || nodes.some((n) => n.data(key) === value);
    box.replaceChildren();
    box.classList.add("graph-legend");
    spec.types.filter((t) => present("kind", t.label)).forEach((t) => {
      item(box, "kind", t.label, swatch(t.shape, t.colour), t.name);
    });
    const stages = spec.stages.filter((s) => present("stage", s.value));
    if (stages.length) {
      const title = document.createElement("span");
      title.className = "graph-legend-title";
      title.textContent = spec.texts.stages + ":";
      box.appendChild(title);
      stages.forEach((s) => item(box, "stage", s.value, swatch("ellipse", "#ffffff", s.colour), s.name));
    }
    if (!nodes || nodes.some((n) => n.data("placeholder"))) {
      item(box, "placeholder", "1", swatch("ellipse", spec.placeholder.colour, "#999", true), spec.placeholder.name);
    }
  }

  // A file name people recognise: parts joined by "-", then today's date.
  function fileName(parts, extension) {
    const day = new Date().toISOString().slice(0, 10);
    const clean = parts.filter(Boolean).map((p) => String(p).trim()
      .replace(/[\\/:*?"<>|\s]+/g, "_").slice(0, 60));
    return clean.concat([day]).join("-") + "." + extension;
  }

  function download(name, href) {
    const link = document.createElement("a");
    link.href = href;
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
  }

  // The graph as drawn (hidden nodes left out) as a PNG file; `cy` may be a function that
  // returns the current graph (or null when there is none yet).
  function pngButton(button, cy, parts) {
    if (!button) return;
    button.addEventListener("click", () => {
      const graph = typeof cy === "function" ? cy() : cy;
      if (!graph) return;
      const names = typeof parts === "function" ? parts() : parts;
      // Sharp (2x) for a normal graph; a very wide tree is scaled to stay under 8000 px.
      const box = graph.elements(":visible").boundingBox();
      const scale = Math.max(0.5, Math.min(2, 8000 / Math.max(box.w, box.h, 1)));
      download(fileName(names, "png"), graph.png({ full: true, bg: "#ffffff", scale: scale }));
    });
  }

  // A first view people can read: fit `eles`, but never below a zoom at which labels are
  // too small; then show the top of the graph, centred on `focus` (a node) if given, else
  // from its left edge. Pan and zoom to see the rest.
  function fitReadable(cy, eles, focus) {
    if (eles.empty()) return;
    cy.fit(eles, 30);
    if (cy.zoom() > LARGEST_ZOOM) {
      // A handful of nodes: drawn at a natural size, not blown up to fill the box.
      cy.zoom(LARGEST_ZOOM);
      cy.center(eles);
      return;
    }
    if (cy.zoom() >= READABLE_ZOOM) return;
    cy.zoom(READABLE_ZOOM);
    const box = eles.renderedBoundingBox({ includeLabels: true });
    const dx = focus && focus.nonempty() ? cy.width() / 2 - focus.renderedPosition().x : 30 - box.x1;
    cy.panBy({ x: dx, y: 30 - box.y1 });
  }

  // A force layout (cose) can leave two nodes' captions on top of each other. Push apart,
  // along the axis where they overlap least, every pair of visible nodes whose boxes (node and
  // caption) overlap; a few passes settle it. Skipped for very large graphs (cost is n²).
  function separateLabels(eles, gap) {
    const space = gap === undefined ? 6 : gap;
    const nodes = eles.nodes(":visible").filter((n) => !n.isParent());
    if (nodes.length < 2 || nodes.length > 400) return;
    const items = nodes.map((n) => {
      const b = n.boundingBox({ includeNodes: true, includeEdges: false, includeLabels: true });
      return { node: n, x1: b.x1, x2: b.x2, y1: b.y1, y2: b.y2, dx: 0, dy: 0 };
    });
    const shift = (item, dx, dy) => {
      item.x1 += dx; item.x2 += dx; item.y1 += dy; item.y2 += dy; item.dx += dx; item.dy += dy;
    };
    for (let pass = 0; pass < 60; pass += 1) {
      let moved = false;
      for (let i = 0; i < items.length; i += 1) {
        for (let j = i + 1; j < items.length; j += 1) {
          const a = items[i], b = items[j];
          const ox = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
          const oy = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
          if (ox <= 0 || oy <= 0) continue;
          moved = true;
          if (ox < oy) {
            const step = (ox + space) / 2 * ((a.x1 + a.x2) <= (b.x1 + b.x2) ? -1 : 1);
            shift(a, step, 0); shift(b, -step, 0);
          } else {
            const step = (oy + space) / 2 * ((a.y1 + a.y2) <= (b.y1 + b.y2) ? -1 : 1);
            shift(a, 0, step); shift(b, 0, -step);
          }
        }
      }
      if (!moved) break;
    }
    eles.cy().batch(() => {
      items.forEach((item) => {
        if (!item.dx && !item.dy) return;
        const p = item.node.position();
        item.node.position({ x: p.x + item.dx, y: p.y + item.dy });
      });
    });
  }

  // The label boxes of the visible nodes (model coordinates), for checks and tests.
  function labelBoxes(cy) {
    return cy.nodes(":visible").filter((n) => !n.isParent() && n.data("caption")).map((n) => {
      const b = n.boundingBox({ includeNodes: false, includeEdges: false, includeLabels: true });
      return { id: n.id(), x1: b.x1, x2: b.x2, y1: b.y1, y2: b.y2 };
    });
  }

  window.GraphStyle = {
    spec: spec, styles: styles, legend: legend, pngButton: pngButton, fileName: fileName,
    download: download, fitReadable: fitReadable, labelBoxes: labelBoxes,
    separateLabels: separateLabels,
    READABLE_ZOOM: READABLE_ZOOM,
  };
})();
