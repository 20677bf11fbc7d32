// The customer page's timeline filter: "All", one kind (follow-ups, orders, tickets) or the
// change history; ?timeline=<Kind> (or "history") starts with that filter.
(function () {
  "use strict";
  function apply(bar, kind) {
    var rows = document.querySelectorAll("#timeline .timeline-entry");
    var shown = 0;
    rows.forEach(function (row) {
      var visible = !kind || row.getAttribute("data-kind") === kind;
      row.classList.toggle("hidden", !visible);
      if (visible) { shown += 1; }
    });
    var none = document.querySelector("#timeline .timeline-none");
    if (none) { none.classList.toggle("hidden", !kind || shown > 0 || rows.length === 0); }
    var history = document.getElementById("history");
    if (history) { history.classList.toggle("hidden", Boolean(kind) && kind !== "history"); }
    bar.querySelectorAll("button[data-kind]").forEach(function (button) {
      var on = button.getAttribute("data-kind") === kind;
      button.classList.toggle("active", on);
      button.setAttribute("aria-pressed", on ? "true" : "false");
    });
    bar.setAttribute("data-current", kind);
  }
  $(function () {
    var bar = document.getElementById("timeline-filter");
    if (!bar) { return; }
    bar.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-kind]");
      if (button) { apply(bar, button.getAttribute("data-kind")); }
    });
    var initial = bar.getAttribute("data-initial") || "";
    if (bar.querySelector("button[data-kind='" + CSS.escape(initial) + "']")) { apply(bar, initial); }
  });
})();
