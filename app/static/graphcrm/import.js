// The import wizard (/import/): upload, column mapping, preview, commit as a job with a
// progress bar, summary, failing rows and undo, all through /api/v1/imports/ (session
// cookie; FAB's REST API is CSRF-exempt and checks the import permission). Below it the
// recent imports (rendered by the server, refreshed from /import/recent), whose Undo, like
// the summary's, asks in a dialog that then follows the undo job.
(function () {
  "use strict";
  const root = document.getElementById("import-wizard");
  if (!root) return;
  const $ = (id) => document.getElementById(id);
  const L = JSON.parse($("import-labels").textContent);
  const API = root.dataset.api;
  const JOBS = root.dataset.jobsApi;
  const MAX_BYTES = Number(root.dataset.maxBytes);
  const FORMATS = ["csv", "txt", "tsv", "xlsx", "xls", "xlsm"];
  const FINISHED = ["done", "failed", "cancelled"];
  const POLL_MS = 1000;
  const RECENT_MS = 2000; // while an import in the recent list runs or is being undone
  const CONTACT = "contact.";
  const state = {};
  const recentBox = $("recent-imports");

  // -- small helpers -------------------------------------------------------------------
  function fill(text, params) {
    return text.replace(/\{(\w+)\}/g, (whole, key) => (key in params ? String(params[key]) : whole));
  }

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([key, value]) => {
      if (key === "text") node.textContent = value;
      else if (key === "className") node.className = value;
      else node.setAttribute(key, value);
    });
    (children || []).forEach((child) => node.appendChild(child));
    return node;
  }

  function option(value, label, selected) {
    const node = el("option", { value: value, text: label });
    node.selected = Boolean(selected);
    return node;
  }

  function show(id, visible) {
    $(id).classList.toggle("hidden", !visible);
  }

  function say(id, message) {
    $(id).textContent = message || "";
    show(id, Boolean(message));
  }

  function fail(message) {
    say("import-notice", "");
    say("import-error", message);
  }

  function step(name) {
    document.querySelectorAll("#import-steps li").forEach((li) => {
      li.classList.toggle("active", li.dataset.step === name);
    });
  }

  async function call(path, options) {
    let response;
    try {
      response = await fetch(path, {
        credentials: "same-origin",
        headers: { Accept: "application/json", ...(options && options.json ? { "Content-Type": "application/json" } : {}) },
        method: (options && options.method) || "GET",
        body: options && options.json ? JSON.stringify(options.json) : options && options.body,
      });
    } catch (error) {
      throw new Error(fill(L.no_answer, { error: error.message }));
    }
    let body = null;
    try {
      body = await response.json();
    } catch (error) {
      body = null;
    }
    if (!response.ok) {
      let message = body && body.message;
      if (message && typeof message === "object") message = JSON.stringify(message);
      throw new Error(message || response.status + " " + response.statusText);
    }
    return body;
  }

  function busy(button, on) {
    $(button).disabled = on;
  }

  // -- 1. upload -----------------------------------------------------------------------
  function checkFile(file) {
    if (!file) return L.choose_file;
    const extension = (file.name.split(".").pop() || "").toLowerCase();
    if (!FORMATS.includes(extension)) return L.wrong_format;
    if (file.size === 0) return L.empty_file;
    if (file.size > MAX_BYTES) return fill(L.too_large, { size: root.dataset.maxMb });
    return "";
  }

  async function upload(sheet) {
    const file = $("import-file").files[0];
    const problem = checkFile(file);
    if (problem) return fail(problem);
    fail("");
    const form = new FormData();
    form.append("file", file);
    form.append("type", $("import-type").value);
    if (sheet) form.append("sheet", sheet);
    busy("upload-button", true);
    $("upload-status").textContent = L.uploading;
    try {
      const uploaded = (await call(API + "/upload", { method: "POST", body: form })).result;
      const targets = await call(API + "/targets/" + encodeURIComponent($("import-type").value));
      Object.assign(state, {
        type: $("import-type").value,
        upload: uploaded,
        table: uploaded.table,
        samples: uploaded.samples || {},
        mapping: uploaded.mapping,
        targets: targets.result,
        saved: targets.mappings || [],
        decisions: {},
        previewedAt: null,
      });
      showDetected();
      renderSaved();
      renderMapping();
      show("step-mapping", true);
      show("step-preview", false);
      show("step-commit", false);
      step("mapping");
    } catch (error) {
      fail(error.message);
    } finally {
      busy("upload-button", false);
      $("upload-status").textContent = "";
    }
  }

  function showDetected() {
    const table = state.table;
    const csv = table.format === "csv";
    const separators = { ",": L.comma, ";": L.semicolon, "\t": L.tab };
    $("detected-file").textContent = state.upload.file_name;
    $("detected-format").textContent = table.format.toUpperCase();
    $("detected-encoding").textContent = table.encoding === "gb18030" ? "GB18030 / GBK" : table.encoding.startsWith("utf-8") ? "UTF-8" : table.encoding.toUpperCase();
    $("detected-separator").textContent = separators[table.delimiter] || table.delimiter;
    $("detected-sheet").textContent = table.sheet;
    $("detected-header").textContent = table.header_line;
    document.querySelectorAll("#detected .csv-only").forEach((node) => node.classList.toggle("hidden", !csv));
    document.querySelectorAll("#detected .sheet-only").forEach((node) => node.classList.toggle("hidden", csv));
    show("detected", true);
    const sheets = table.sheets || [];
    const select = $("import-sheet");
    select.replaceChildren(...sheets.map((name) => option(name, name, name === table.sheet)));
    show("sheet-group", sheets.length > 1);
  }

  // -- 2. mapping ----------------------------------------------------------------------
  function target(name) {
    return state.targets.find((t) => t.name === name);
  }

  function renderSaved() {
    const names = state.saved.map((name) => option(name, name));
    $("saved-mappings").replaceChildren(...(names.length ? names : [option("", L.none_saved)]));
    $("load-mapping").disabled = state.saved.length === 0;
  }

  function fieldSelect(header) {
    const select = el("select", { className: "form-control input-sm mapping-field", "data-header": header });
    select.appendChild(option("", L.ignore, !state.mapping.columns[header]));
    state.targets.forEach((t) => {
      const label = t.required ? t.label + " *" : t.label;
      select.appendChild(option(t.name, label, state.mapping.columns[header] === t.name));
    });
    select.addEventListener("change", () => {
      state.mapping.columns[header] = select.value || null;
      delete state.mapping.reasons[header];
      renderMapping();
    });
    return select;
  }

  function valueRow(t, written, editable) {
    const values = (state.mapping.values[t.name] = state.mapping.values[t.name] || {});
    const input = el("input", { type: "text", className: "form-control input-sm value-written" });
    input.value = written;
    input.readOnly = !editable;
    const select = el("select", { className: "form-control input-sm value-choice" });
    select.appendChild(option("", L.automatic, !values[written]));
    t.choices.forEach((c) => select.appendChild(option(c.value, c.label, values[written] === c.value)));
    let current = written;
    function update() {
      delete values[current];
      current = input.value.trim();
      if (current && select.value) values[current] = select.value;
    }
    input.addEventListener("change", update);
    select.addEventListener("change", update);
    return el("div", { className: "form-inline value-row" }, [input, el("span", { text: " → " }), select]);
  }

  function valueEditor(header, t) {
    const box = el("div", { className: "value-map", "data-target": t.name });
    const known = state.samples[header] || [];
    known.forEach((written) => box.appendChild(valueRow(t, written, false)));
    Object.keys(state.mapping.values[t.name] || {})
      .filter((written) => !known.includes(written))
      .forEach((written) => box.appendChild(valueRow(t, written, true)));
    const add = el("button", { type: "button", className: "btn btn-link btn-xs", text: "+ " + L.add_value });
    add.addEventListener("click", () => box.insertBefore(valueRow(t, "", true), add));
    box.appendChild(add);
    return box;
  }

  function renderMapping() {
    const body = $("mapping-table").querySelector("tbody");
    body.replaceChildren();
    state.table.headers.forEach((header) => {
      const mapped = state.mapping.columns[header];
      const t = mapped ? target(mapped) : null;
      const reason = state.mapping.reasons[header];
      const cell = el("td", {}, [fieldSelect(header)]);
      if (t && t.choices.length) cell.appendChild(valueEditor(header, t));
      const samples = (state.samples[header] || []).slice(0, 4).join(" · ");
      body.appendChild(
        el("tr", { "data-header": header }, [
          el("td", { className: "mapping-header", text: header }),
          el("td", { className: "text-muted mapping-samples", text: samples }),
          cell,
          el("td", { className: "text-muted", text: reason === "values" ? L.by_values : reason === "header" ? L.by_header : "" }),
        ]),
      );
    });
    // A customer's contact fields ("contact.name") are required only when the file has a contact.
    const mapped = new Set(Object.values(state.mapping.columns).filter(Boolean));
    const hasContact = [...mapped].some((name) => name.startsWith(CONTACT));
    const missing = state.targets
      .filter((t) => t.required && !mapped.has(t.name) && (hasContact || !t.name.startsWith(CONTACT)))
      .map((t) => t.label);
    say("mapping-missing", missing.length ? fill(L.missing, { fields: missing.join(", ") }) : "");
  }

  function mappingBody() {
    const values = {};
    Object.entries(state.mapping.values || {}).forEach(([name, pairs]) => {
      if (Object.keys(pairs).length) values[name] = pairs;
    });
    return { type: state.type, columns: state.mapping.columns, values: values };
  }

  async function loadMapping() {
    const name = $("saved-mappings").value;
    if (!name) return;
    try {
      const path = API + "/mappings/" + encodeURIComponent(state.type) + "/" + encodeURIComponent(name);
      const saved = (await call(path)).result;
      state.table.headers.forEach((header) => {
        if (header in saved.columns) state.mapping.columns[header] = saved.columns[header];
      });
      state.mapping.values = saved.values || {};
      state.mapping.reasons = {};
      renderMapping();
      fail("");
      say("import-notice", fill(L.mapping_loaded, { name: name }));
    } catch (error) {
      fail(error.message);
    }
  }

  async function saveMapping() {
    const name = $("mapping-name").value.trim();
    if (!name) return fail(L.name_needed);
    try {
      await call(API + "/mappings", { method: "POST", json: { name: name, mapping: mappingBody() } });
      if (!state.saved.includes(name)) state.saved.push(name);
      renderSaved();
      $("saved-mappings").value = name;
      fail("");
      say("import-notice", fill(L.mapping_saved, { name: name }));
    } catch (error) {
      fail(error.message);
    }
  }

  // -- 3. preview ----------------------------------------------------------------------
  function requestBody() {
    return {
      upload_id: state.upload.upload_id,
      type: state.type,
      mapping: mappingBody(),
      sheet: state.table.sheet || null,
      on_duplicate: $("on-duplicate").value,
      decisions: state.decisions,
      rows: Number($("preview-rows").value),
    };
  }

  function shown(t, value) {
    if (value === null || value === undefined) return "";
    if (Array.isArray(value)) return value.join("、");
    if (t && t.choices.length) {
      const choice = t.choices.find((c) => c.value === value);
      if (choice) return choice.label;
    }
    return String(value);
  }

  function duplicateCell(row) {
    const dup = row.duplicate;
    // A customer with another referrer is named by its ID (the referrer is not named: the
    // importer may not be allowed to see it).
    const existing = dup.key === "referrer" ? dup.uid : L.existing;
    const what = dup.uid ? existing : fill(L.earlier_line, { line: dup.line });
    const keyLabel = dup.key === "name" && state.type === "contact" ? L.key_name_customer : L["key_" + dup.key];
    let text = fill(L.duplicate_of, { key: keyLabel || dup.key, what: what });
    if (dup.key === "link") text = fill(L.linked_already, { what: what });
    else if (dup.key === "referrer") text = fill(dup.uid ? L.referrer_taken : L.referrer_earlier, { what: what });
    else if (row.decision === "unchanged") text = fill(L.unchanged, { what: what });
    const cell = el("td", { className: "preview-result" });
    if (dup.uid) {
      const url = $("import-type").selectedOptions[0].dataset.showUrl.replace("UID", encodeURIComponent(dup.uid));
      const parts = text.split(what);
      cell.appendChild(document.createTextNode(parts[0]));
      cell.appendChild(el("a", { href: url, target: "_blank", text: what }));
      cell.appendChild(document.createTextNode(parts.slice(1).join(what)));
    } else {
      cell.appendChild(document.createTextNode(text));
    }
    if (dup.key === "link") return cell; // a referral that exists is unchanged: nothing to choose
    // A customer's other referrer (of the row's type) is kept or replaced, never doubled;
    // one an earlier row of the file gives it stands.
    if (dup.key === "referrer" && !dup.uid) return cell;
    const choices = dup.key === "referrer" ? ["skip", "update"] : ["skip", "update", "create"];
    const select = el("select", { className: "form-control input-sm duplicate-decision", "data-line": String(row.line) });
    const chosen = row.decision === "unchanged" ? "update" : row.decision;
    choices.forEach((d) => select.appendChild(option(d, L[d], chosen === d)));
    select.addEventListener("change", () => {
      state.decisions[String(row.line)] = select.value;
      preview(false);
    });
    cell.appendChild(select);
    return cell;
  }

  function resultCell(row) {
    if (row.errors.length) {
      return el(
        "td",
        { className: "preview-result text-danger" },
        row.errors.map((error) => el("div", { className: "preview-error", text: error.message })),
      );
    }
    if (row.duplicate) return duplicateCell(row);
    return el("td", { className: "preview-result text-success", text: L.will_create });
  }

  function renderPreview(result) {
    const names = [...new Set(Object.values(result.mapping.columns).filter(Boolean))];
    const head = $("preview-table").querySelector("thead");
    head.replaceChildren(
      el("tr", {}, [
        el("th", { text: L.line }),
        ...names.map((name) => el("th", { text: (target(name) || { label: name }).label })),
        el("th", { text: L.status }),
      ]),
    );
    const body = $("preview-table").querySelector("tbody");
    body.replaceChildren(
      ...result.rows.map((row) => {
        const kind = row.errors.length ? "danger" : row.duplicate ? "warning" : "";
        return el("tr", { className: kind, "data-line": String(row.line) }, [
          el("td", { text: String(row.line) }),
          ...names.map((name) => el("td", { text: shown(target(name), row.values[name]) })),
          resultCell(row),
        ]);
      }),
    );
    const counts = result.counts;
    $("preview-totals").textContent = fill(L.totals, {
      rows: result.rows.length,
      create: counts.create,
      update: counts.update,
      skip: counts.skip + (counts.unchanged || 0),
      error: counts.error,
    });
  }

  async function preview(scroll) {
    fail("");
    say("import-notice", "");
    busy("preview-button", true);
    busy("refresh-preview", true);
    try {
      const result = (await call(API + "/preview", { method: "POST", json: requestBody() })).result;
      // The commit sends it back: a record someone changes after the preview the user saw
      // is not overwritten by the import.
      state.previewedAt = result.previewed_at;
      renderPreview(result);
      show("step-preview", true);
      step("preview");
      if (scroll) $("step-preview").scrollIntoView({ block: "start" });
    } catch (error) {
      fail(error.message);
    } finally {
      busy("preview-button", false);
      busy("refresh-preview", false);
    }
  }

  // -- 4. commit, progress, summary, undo ----------------------------------------------
  async function commit() {
    fail("");
    busy("commit-button", true);
    try {
      const body = Object.assign(requestBody(), { previewed_at: state.previewedAt || null });
      const started = (await call(API + "/commit", { method: "POST", json: body })).result;
      state.importId = started.import.id;
      state.jobId = started.job.id;
      show("step-upload", false);
      show("step-mapping", false);
      show("step-preview", false);
      show("step-commit", true);
      show("import-summary", false);
      show("cancel-button", true);
      show("import-progress", true);
      step("commit");
      refreshRecent(); // the import shows in the list at once, running
      follow(state.jobId, "import-progress", "progress-text", finished);
    } catch (error) {
      fail(error.message);
    } finally {
      busy("commit-button", false);
    }
  }

  // Draw ``job``'s progress in the bar of box ``boxId`` and the text node ``textId``.
  function drawProgress(job, boxId, textId) {
    const bar = $(boxId).querySelector(".progress-bar");
    const percent = Math.round(job.percent || 0);
    bar.style.width = percent + "%";
    bar.setAttribute("aria-valuenow", String(percent));
    bar.textContent = percent + "%";
    let text;
    if (job.state === "queued") text = L.queued;
    else if (job.total) text = fill(L.progress, { done: job.done, total: job.total });
    else text = fill(L.progress_unknown, { done: job.done });
    if (job.state === "running" && job.eta_seconds !== null && job.eta_seconds !== undefined) {
      text += " · " + fill(L.eta, { seconds: Math.round(job.eta_seconds) });
    }
    if (job.cancel_requested && !FINISHED.includes(job.state)) text += " · " + L.cancelling;
    $(textId).textContent = text;
  }

  // Poll job ``jobId``, drawing its progress in ``boxId`` and ``textId``, until it has
  // finished; then call ``then(job)``.
  async function follow(jobId, boxId, textId, then) {
    let job;
    try {
      job = (await call(JOBS + "/" + encodeURIComponent(jobId))).result;
    } catch (error) {
      fail(error.message);
      setTimeout(() => follow(jobId, boxId, textId, then), POLL_MS * 3);
      return;
    }
    drawProgress(job, boxId, textId);
    if (FINISHED.includes(job.state)) then(job);
    else setTimeout(() => follow(jobId, boxId, textId, then), POLL_MS);
  }

  async function finished(job) {
    show("cancel-button", false);
    $("progress-text").textContent = "";
    const bar = $("import-progress").querySelector(".progress-bar");
    bar.classList.toggle("progress-bar-success", job.state === "done");
    bar.classList.toggle("progress-bar-danger", job.state === "failed");
    bar.classList.toggle("progress-bar-warning", job.state === "cancelled");
    refreshRecent();
    await resummarize(job);
  }

  // Show the wizard's import as it is now (after its job ``job``, or an undo's).
  async function resummarize(job) {
    try {
      summarize((await call(API + "/" + encodeURIComponent(state.importId))).result, job);
    } catch (error) {
      fail(error.message);
    }
  }

  function summarize(record, job) {
    const messages = {
      done: L.state_done,
      failed: fill(L.state_failed, { error: record.error || (job && job.error) || "" }),
      cancelled: L.state_cancelled,
      undone: L.state_undone,
      undoing: L.undoing,
    };
    // A cancelled job leaves its import stopped (or never started): say so, whatever state
    // the import record was left in.
    const ended = job && job.name === "import_run" && job.state === "cancelled" ? "cancelled" : record.state;
    $("summary-state").textContent = messages[ended] || record.state;
    $("summary-state").className = ended === "failed" ? "text-danger" : "";
    document.querySelectorAll("#summary-counts [data-count]").forEach((cell) => {
      cell.textContent = String(record.counts[cell.dataset.count] || 0);
    });
    $("summary-id").textContent = record.id;
    state.record = record;
    const link = $("errors-link");
    link.href = API + "/" + encodeURIComponent(record.id) + "/errors";
    link.classList.toggle("hidden", !record.counts.failed);
    $("list-link").href = $("import-type").selectedOptions[0].dataset.listUrl;
    const undo = $("undo-button");
    if (undo) undo.classList.toggle("hidden", ["undoing", "undone"].includes(record.state));
    show("import-summary", true);
  }

  async function cancel() {
    busy("cancel-button", true);
    try {
      await call(JOBS + "/" + encodeURIComponent(state.jobId) + "/cancel", { method: "POST", json: {} });
    } catch (error) {
      fail(error.message);
    } finally {
      busy("cancel-button", false);
    }
  }

  // -- recent imports and the undo dialog ---------------------------------------------
  let recentTimer = null;
  let recentRound = 0;

  // Fetch the recent imports again; keep fetching while one of them runs or is undone.
  async function refreshRecent() {
    clearTimeout(recentTimer);
    const round = ++recentRound;
    let fresh = null;
    try {
      const response = await fetch(recentBox.dataset.url, { credentials: "same-origin", headers: { Accept: "text/html" } });
      if (response.ok) fresh = new DOMParser().parseFromString(await response.text(), "text/html").getElementById("recent-body");
    } catch (error) {
      // The list stays as it was; the next refresh tries again.
    }
    if (round !== recentRound) return; // a later refresh answers instead
    if (fresh) $("recent-body").replaceWith(fresh);
    if ($("recent-body").dataset.active === "1") recentTimer = setTimeout(refreshRecent, RECENT_MS);
  }

  // Open the undo dialog for import ``what`` ({id, file, type, created, updated}).
  function askUndo(what) {
    const dialog = { id: what.id };
    state.undoing = dialog;
    $("undo-what").textContent = fill(L.undo_what, { file: what.file, id: what.id });
    const effect = what.type === "referral" ? L.undo_effect_links : L.undo_effect;
    $("undo-effect").textContent = fill(effect, { created: what.created, updated: what.updated });
    const bar = $("undo-progress").querySelector(".progress-bar");
    bar.classList.remove("progress-bar-success", "progress-bar-danger");
    bar.style.width = "0%";
    bar.textContent = "0%";
    show("undo-progress", false);
    $("undo-progress-text").textContent = "";
    show("undo-result", false);
    show("undo-confirm", true);
    busy("undo-confirm", false);
    $("undo-close").textContent = L.cancel;
    window.jQuery("#undo-dialog").modal("show");
  }

  async function undo() {
    const dialog = state.undoing;
    busy("undo-confirm", true);
    try {
      const path = API + "/" + encodeURIComponent(dialog.id) + "/undo";
      const started = (await call(path, { method: "POST", json: {} })).result;
      show("undo-confirm", false);
      $("undo-close").textContent = L.close;
      show("undo-progress", true);
      $("undo-progress-text").textContent = L.undoing;
      refreshRecent();
      follow(started.job.id, "undo-progress", "undo-progress-text", (job) => undone(dialog, job));
    } catch (error) {
      busy("undo-confirm", false);
      undoResult(error.message, false);
    }
  }

  async function undone(dialog, job) {
    const bar = $("undo-progress").querySelector(".progress-bar");
    bar.classList.toggle("progress-bar-success", job.state === "done");
    bar.classList.toggle("progress-bar-danger", job.state !== "done");
    $("undo-progress-text").textContent = "";
    await refreshRecent();
    if (state.undoing === dialog) {
      if (job.state === "done") {
        // What the undo did, as the refreshed list says it.
        const report = document.querySelector("#import-" + CSS.escape(dialog.id) + " .recent-undo-report");
        undoResult(L.state_undone, true, report ? report.textContent : "");
      } else {
        undoResult(fill(L.undo_failed, { error: job.error || job.state_label }), false);
      }
    }
    if (dialog.id === state.importId) resummarize(job);
  }

  function undoResult(message, ok, detail) {
    const box = $("undo-result");
    box.classList.toggle("alert-success", ok);
    box.classList.toggle("alert-danger", !ok);
    box.replaceChildren(el("div", { text: message }));
    if (detail) box.appendChild(el("div", { className: "undo-report", text: detail }));
    show("undo-result", true);
  }

    // -- wiring --------------------------------------------------------------------------
  $("upload-form").addEventListener("submit", (event) => {
    event.preventDefault();
    upload(null);
  });
  $("import-sheet").addEventListener("change", () => upload($("import-sheet").value));
  $("import-type").addEventListener("change", () => {
    if (state.upload) upload(state.table.sheet || null);
  });
  $("load-mapping").addEventListener("click", loadMapping);
  $("save-mapping").addEventListener("click", saveMapping);
  $("preview-button").addEventListener("click", () => preview(true));
  $("refresh-preview").addEventListener("click", () => preview(false));
  $("preview-rows").addEventListener("change", () => preview(false));
  $("on-duplicate").addEventListener("change", () => {
    state.decisions = {};
    preview(false);
  });
  $("back-to-mapping").addEventListener("click", () => {
    step("mapping");
    $("step-mapping").scrollIntoView({ block: "start" });
  });
  $("commit-button").addEventListener("click", commit);
  $("cancel-button").addEventListener("click", cancel);
  $("restart-button").addEventListener("click", () => window.location.reload());
  if ($("undo-dialog")) {
    $("undo-confirm").addEventListener("click", undo);
    $("undo-button").addEventListener("click", () => {
      const record = state.record;
      askUndo({ id: record.id, file: record.file_name, type: record.type, created: record.counts.created, updated: record.counts.updated });
    });
    recentBox.addEventListener("click", (event) => {
      const button = event.target.closest(".recent-undo");
      if (button) askUndo(button.dataset);
    });
  }
  if ($("recent-body").dataset.active === "1") recentTimer = setTimeout(refreshRecent, RECENT_MS);
})();
