// A record page's actions (graphcrm/record_actions.html): a button with a dialog opens the
// form of its <template> in #record-dialog; saving posts it to the add or edit path asking
// for JSON (views/crud/dialogs.py): a save goes to the page it names (where the notice
// shows and the timeline has the new entry), a refusal shows its messages in the dialog,
// per field, and keeps what was typed. ?do=<action> opens that action's dialog at once.
// One-click actions (a ticket's "Close") post the same way and show a refusal above.
(function () {
  "use strict";
  var words = {};

  function answerOf(response) {
    var type = response.headers.get("Content-Type") || "";
    if (type.indexOf("application/json") < 0) {
      return Promise.resolve({ status: response.status, data: {} });
    }
    return response.json().then(function (data) {
      return { status: response.status, data: data || {} };
    });
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    }).then(answerOf);
  }

  function show(box, text) {
    box.textContent = text;
    box.classList.toggle("hidden", !text);
  }

  function clearErrors(form) {
    form.querySelectorAll(".dialog-field-error").forEach(function (node) { node.remove(); });
    form.querySelectorAll(".form-group.has-error").forEach(function (node) {
      node.classList.remove("has-error");
    });
  }

  function fieldErrors(form, errors) {
    Object.keys(errors || {}).forEach(function (name) {
      var group = form.querySelector(".form-group[data-field='" + CSS.escape(name) + "']");
      if (!group) { return; }
      group.classList.add("has-error");
      (errors[name] || []).forEach(function (message) {
        var help = document.createElement("p");
        help.className = "help-block dialog-field-error";
        help.textContent = message;
        group.appendChild(help);
      });
    });
  }

  function refusal(answer) {
    if (answer.data && answer.data.message) { return answer.data.message; }
    return words.failed || "Not saved.";
  }

  function openDialog(template) {
    var modal = $("#record-dialog");
    var form = document.getElementById("record-dialog-form");
    var fields = document.getElementById("record-dialog-fields");
    fields.innerHTML = "";
    fields.appendChild(template.content.cloneNode(true));
    form.setAttribute("action", template.getAttribute("data-url"));
    document.getElementById("record-dialog-title").textContent = template.getAttribute("data-title");
    form.setAttribute("data-dialog", template.id);
    show(document.getElementById("record-dialog-error"), "");
    clearErrors(form);
    $(fields).find("select.my_select2").select2({ theme: "bootstrap", allowClear: true, dropdownParent: modal });
    if (window.graphcrmRelationSelects) { window.graphcrmRelationSelects(fields, modal); }
    if (window.graphcrmWhenPickers) { window.graphcrmWhenPickers(fields); }
    modal.modal("show");
    modal.one("shown.bs.modal", function () {
      var first = fields.querySelector("input:not([type=hidden]), textarea");
      if (first) { first.focus(); }
    });
  }

  function save(event) {
    event.preventDefault();
    var form = event.target;
    var button = document.getElementById("record-dialog-save");
    var box = document.getElementById("record-dialog-error");
    button.disabled = true;
    clearErrors(form);
    post(form.getAttribute("action"), new FormData(form))
      .then(function (answer) {
        if (answer.status < 300 && answer.data.url) {
          form.setAttribute("data-state", "saved");
          window.location.assign(answer.data.url);
          return;
        }
        if (answer.status === 409 && answer.data.version !== undefined) {
          var version = form.querySelector("input[name=version]");
          if (version) { version.value = answer.data.version; }
        }
        show(box, refusal(answer));
        fieldErrors(form, answer.data.errors);
        form.setAttribute("data-state", "refused");
      })
      .catch(function () {
        show(box, words.offline || "Not saved.");
        form.setAttribute("data-state", "refused");
      })
      .then(function () { button.disabled = false; });
  }

  function postAction(event) {
    event.preventDefault();
    var form = event.target;
    var box = document.getElementById("record-action-error");
    post(form.getAttribute("action"), new FormData(form))
      .then(function (answer) {
        if (answer.status < 300 && answer.data.url) {
          window.location.assign(answer.data.url);
          return;
        }
        show(box, refusal(answer));
      })
      .catch(function () { show(box, words.offline || "Not saved."); });
  }

  $(function () {
    var bar = document.getElementById("record-actions");
    if (!bar) { return; }
    var source = document.getElementById("record-dialog-words");
    words = source ? JSON.parse(source.textContent) : {};
    bar.querySelectorAll("a[data-dialog]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var template = document.getElementById(link.getAttribute("data-dialog"));
        if (!template) { return; }
        event.preventDefault();
        openDialog(template);
      });
    });
    bar.querySelectorAll("form.record-action-post").forEach(function (form) {
      form.addEventListener("submit", postAction);
    });
    document.getElementById("record-dialog-form").addEventListener("submit", save);
    var wanted = bar.getAttribute("data-open");
    var template = wanted && document.getElementById("dialog-" + wanted);
    if (template && template.tagName === "TEMPLATE") { openDialog(template); }
  });
})();
