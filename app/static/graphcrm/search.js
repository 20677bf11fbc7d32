// The navigation bar's global search (app/templates/appbuilder/navbar.html): results of
// GET /api/v1/search/?q= grouped by type under the box. Arrow keys move through them,
// Enter opens the one chosen (or the first), Escape closes the list.
(function () {
  "use strict";
  var form = document.querySelector("form.graphcrm-search");
  if (!form) { return; }
  var input = form.querySelector("input[name=q]");
  var list = form.querySelector(".graphcrm-search-results");
  var timer = null;
  var asked = "";
  var active = -1;

  function links() { return list.querySelectorAll("a.graphcrm-search-item"); }

  function close() {
    list.style.display = "none";
    input.setAttribute("aria-expanded", "false");
    active = -1;
  }

  function open() {
    list.style.display = "block";
    input.setAttribute("aria-expanded", "true");
  }

  function choose(index) {
    var items = links();
    if (!items.length) { return; }
    active = (index + items.length) % items.length;
    for (var i = 0; i < items.length; i++) {
      var on = i === active;
      items[i].parentNode.classList.toggle("active", on);
      items[i].setAttribute("aria-selected", on ? "true" : "false");
    }
    items[active].scrollIntoView({ block: "nearest" });
  }

  function line(text, className) {
    var li = document.createElement("li");
    li.className = className;
    li.textContent = text;
    return li;
  }

  function show(body) {
    list.textContent = "";
    active = -1;
    (body.groups || []).forEach(function (group) {
      list.appendChild(line(group.label, "dropdown-header"));
      group.items.forEach(function (item) {
        var li = document.createElement("li");
        li.setAttribute("role", "presentation");
        var a = document.createElement("a");
        a.className = "graphcrm-search-item";
        a.href = item.url;
        a.setAttribute("role", "option");
        a.id = "graphcrm-search-" + item.uid;
        var title = document.createElement("span");
        title.textContent = item.title;
        var how = document.createElement("small");
        how.className = "text-muted";
        how.textContent = " " + item.uid + " · " + item.matched_label;
        a.appendChild(title);
        a.appendChild(how);
        li.appendChild(a);
        list.appendChild(li);
      });
    });
    if (!list.children.length) { list.appendChild(line(form.dataset.empty, "graphcrm-search-empty")); }
    if (body.notice) { list.appendChild(line(body.notice, "graphcrm-search-notice")); }
    open();
  }

  function ask() {
    var q = input.value.trim();
    if (!q) { asked = ""; close(); return; }
    if (q === asked) { return; }
    asked = q;
    var url = form.dataset.api + "?q=" + encodeURIComponent(q);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (answer) {
        if (q !== asked) { return; } // a later keystroke asked again
        if (answer.ok) { show(answer.body); return; }
        list.textContent = "";
        list.appendChild(line(answer.body.message || form.dataset.failed, "graphcrm-search-notice"));
        open();
      })
      .catch(function () {
        list.textContent = "";
        list.appendChild(line(form.dataset.failed, "graphcrm-search-notice"));
        open();
      });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 150);
  });
  input.addEventListener("focus", function () { if (list.children.length && input.value.trim()) { open(); } });
  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown") { event.preventDefault(); open(); choose(active + 1); }
    else if (event.key === "ArrowUp") { event.preventDefault(); open(); choose(active - 1); }
    else if (event.key === "Escape") { event.preventDefault(); close(); }
    else if (event.key === "Enter") {
      event.preventDefault();
      var items = links();
      if (items.length) { window.location.href = items[active >= 0 ? active : 0].href; }
    }
  });
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  document.addEventListener("click", function (event) { if (!form.contains(event.target)) { close(); } });
})();
