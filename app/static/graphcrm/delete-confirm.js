// The list's delete dialog names what depends on the record ("It has 3 follow-ups,
// 1 order."): FAB's dialog shows a generic question; this asks the view's
// /dependants/<pk> for the real one and puts it in the dialog as soon as it arrives.
(function () {
  "use strict";
  var PREFIX = "btn-delete-";
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[id^='" + PREFIX + "']");
    if (!link) { return; }
    var url = link.id.slice(PREFIX.length).replace(/\/delete\/([^/?#]+)$/, "/dependants/$1");
    var body = document.querySelector("#modal-confirm .modal-body");
    if (!body || url.indexOf("/dependants/") < 0) { return; }
    body.setAttribute("data-question", "loading");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (answer) { return answer.ok ? answer.json() : null; })
      .then(function (data) {
        if (data && data.message) { body.textContent = data.message; }
        body.setAttribute("data-question", "ready");
      })
      .catch(function () { body.setAttribute("data-question", "ready"); });
  }, true);
})();
