// The pipeline board (views/pipeline.py): paged stage columns, drag (or "Move to…") to change
// a customer's stage through POST /api/v1/pipeline/move/<uid> with the card's version (the
// customer's ordinary, version-checked edit). A refused move (someone changed the customer meanwhile) shows the card as
// it is now and overwrites nothing.
(function () {
  "use strict";
  const source = document.getElementById("pipeline-data");
  if (!source) {
    return;
  }
  const data = JSON.parse(source.textContent);
  const labels = data.labels;
  const stageLabels = {};
  data.stages.forEach(function (stage) {
    stageLabels[stage.value] = stage.label;
  });
  const columns = {};
  document.querySelectorAll(".pipeline-column").forEach(function (element) {
    columns[element.dataset.stage] = {
      element: element,
      cards: element.querySelector('[data-role="cards"]'),
      more: element.querySelector('[data-role="more"]'),
      empty: element.querySelector('[data-role="empty"]'),
      count: element.querySelector('[data-role="count"]'),
      value: element.querySelector('[data-role="value"]'),
      loaded: 0,
    };
  });
  const message = document.getElementById("pipeline-message");

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (all, key) {
      return key in values ? values[key] : all;
    });
  }

  function query(extra) {
    const params = new URLSearchParams(data.filters);
    Object.keys(extra || {}).forEach(function (key) {
      params.set(key, extra[key]);
    });
    return params.toString();
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  }

  function say(text, kind) {
    message.textContent = text;
    message.className = "alert alert-" + kind;
  }

  function line(icon, text, title) {
    const element = document.createElement("div");
    element.className = "card-line";
    const glyph = document.createElement("i");
    glyph.className = "fa " + icon;
    glyph.setAttribute("aria-hidden", "true");
    element.appendChild(glyph);
    element.appendChild(document.createTextNode(" " + text));
    if (title) {
      element.title = title;
    }
    return element;
  }

  function cardElement(card) {
    const item = document.createElement("li");
    item.className = "pipeline-card";
    item.dataset.uid = card.uid;
    item.dataset.version = String(card.version);
    item.dataset.stage = card.stage;
    item.dataset.name = card.name;
    item.draggable = Boolean(data.can_move);
    const link = document.createElement("a");
    link.className = "card-name";
    link.href = card.url;
    link.textContent = card.name;
    item.appendChild(link);
    item.appendChild(line("fa-user", card.owner || labels.no_owner, labels.owner));
    item.appendChild(
      line("fa-comments", labels.last_follow_up + ": " + (card.last_follow_up || labels.never))
    );
    if (card.order_value) {
      item.appendChild(line("fa-shopping-cart", card.order_value, labels.order_value));
    }
    if (data.can_move) {
      const menu = document.createElement("select");
      menu.className = "form-control card-move";
      menu.setAttribute("aria-label", labels.move_to + " " + card.name);
      const first = document.createElement("option");
      first.value = "";
      first.textContent = labels.move_to;
      menu.appendChild(first);
      data.stages.forEach(function (stage) {
        if (stage.value !== card.stage) {
          const option = document.createElement("option");
          option.value = stage.value;
          option.textContent = stage.label;
          menu.appendChild(option);
        }
      });
      menu.addEventListener("change", function () {
        if (menu.value) {
          move(item, menu.value);
        }
      });
      item.appendChild(menu);
      item.addEventListener("dragstart", function (event) {
        event.dataTransfer.setData("text/plain", card.uid);
        event.dataTransfer.effectAllowed = "move";
        item.classList.add("dragging");
      });
      item.addEventListener("dragend", function () {
        item.classList.remove("dragging");
      });
    }
    return item;
  }

  function refreshEmpty(column) {
    column.empty.classList.toggle("hidden", column.cards.children.length > 0);
  }

  async function loadColumn(stage) {
    const column = columns[stage];
    column.more.disabled = true;
    column.more.textContent = labels.loading;
    const response = await getJSON(
      data.column_url + "?" + query({ stage: stage, skip: column.loaded, limit: data.page_size })
    );
    column.more.disabled = false;
    column.more.textContent = labels.load_more;
    if (!response.ok) {
      say(await failure(response), "danger");
      return;
    }
    const page = await response.json();
    page.cards.forEach(function (card) {
      if (!column.cards.querySelector('[data-uid="' + CSS.escape(card.uid) + '"]')) {
        column.cards.appendChild(cardElement(card));
      }
    });
    column.loaded += page.cards.length;
    column.more.classList.toggle("hidden", !page.more);
    refreshEmpty(column);
  }

  async function loadFigures() {
    const response = await getJSON(data.figures_url + "?" + query());
    if (!response.ok) {
      return;
    }
    const figures = (await response.json()).result;
    Object.keys(columns).forEach(function (stage) {
      const column = columns[stage];
      const figure = figures[stage] || { customers_text: "0", order_value: "" };
      column.count.textContent = figure.customers_text;
      column.value.textContent = figure.order_value;
    });
  }

  async function failure(response) {
    try {
      const body = await response.json();
      return body.message || response.status + " " + response.statusText;
    } catch (error) {
      return response.status + " " + response.statusText;
    }
  }

  // Put the card as it is now at the top of its column (or drop it when it is gone).
  function place(item, card) {
    const from = columns[item.dataset.stage];
    item.remove();
    if (from) {
      from.loaded = Math.max(0, from.loaded - 1);
      refreshEmpty(from);
    }
    if (!card || !columns[card.stage]) {
      return null;
    }
    const to = columns[card.stage];
    const fresh = cardElement(card);
    to.cards.insertBefore(fresh, to.cards.firstChild);
    to.loaded += 1;
    refreshEmpty(to);
    return fresh;
  }

  async function move(item, stage) {
    const uid = item.dataset.uid;
    const name = item.dataset.name;
    if (stage === item.dataset.stage || !columns[stage]) {
      return;
    }
    const response = await fetch(data.move_url.replace("__uid__", encodeURIComponent(uid)), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ stage: stage, version: Number(item.dataset.version) }),
    });
    if (response.ok) {
      place(item, (await response.json()).result);
      say(fill(labels.moved, { name: name, stage: stageLabels[stage] }), "success");
    } else if (response.status === 409) {
      const card = (await response.json()).result;
      const fresh = place(item, card);
      if (fresh) {
        fresh.classList.add("flash");
      }
      say(fill(labels.stale, { name: card.name, stage: stageLabels[card.stage] }), "warning");
    } else if (response.status === 403) {
      say(labels.forbidden, "danger");
      resetMenu(item);
    } else if (response.status === 404) {
      place(item, null);
      say(fill(labels.gone, { name: name }), "warning");
    } else {
      say(fill(labels.failed, { message: await failure(response) }), "danger");
      resetMenu(item);
    }
    loadFigures();
  }

  function resetMenu(item) {
    const menu = item.querySelector(".card-move");
    if (menu) {
      menu.value = "";
    }
  }

  Object.keys(columns).forEach(function (stage) {
    const column = columns[stage];
    column.more.addEventListener("click", function () {
      loadColumn(stage);
    });
    if (!data.can_move) {
      return;
    }
    column.element.addEventListener("dragover", function (event) {
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      column.element.classList.add("drop-target");
    });
    column.element.addEventListener("dragleave", function (event) {
      if (!column.element.contains(event.relatedTarget)) {
        column.element.classList.remove("drop-target");
      }
    });
    column.element.addEventListener("drop", function (event) {
      event.preventDefault();
      column.element.classList.remove("drop-target");
      const uid = event.dataTransfer.getData("text/plain");
      const item = document.querySelector('.pipeline-card[data-uid="' + CSS.escape(uid) + '"]');
      if (item) {
        move(item, stage);
      }
    });
  });

  loadFigures();
  Object.keys(columns).forEach(loadColumn);
})();
