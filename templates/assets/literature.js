/* reviewsite literature explorer, the page glue: reads the filters from the URL, filters and sorts the rows
 * with window.RSExplorer (explorer.js), and writes the state back to the URL. When the page lists only the
 * newest papers (`data-rows` on the table), the other rows load from that JSON on the first filter, sort or
 * "Show more". Without this script the page still lists its rows and links every download. */
(function () {
  "use strict";

  var table = document.getElementById("literature-table");
  var form = document.getElementById("literature-filters");
  var count = document.getElementById("literature-count");
  var more = document.getElementById("literature-more");
  var api = window.RSExplorer;
  if (!table || !form || !count || !api || !window.URLSearchParams) return;

  var body = table.tBodies[0];
  var yearHeader = table.querySelector("th.rs-lit-year");
  var rowsUrl = table.getAttribute("data-rows") || "";
  var pageSize = parseInt(table.getAttribute("data-page-size"), 10) || 100;
  var rows = Array.prototype.map.call(body.rows, fromTr);
  var complete = !rowsUrl;
  var limit = pageSize;
  var loading = null;
  var failed = false;

  function split(value, sep) { return value ? value.split(sep) : []; }

  function fromTr(tr, index) {
    var d = tr.dataset;
    var cell = function (name) { var td = tr.querySelector("td.rs-lit-" + name); return td ? td.textContent : ""; };
    return {
      tr: tr, index: index, key: d.key || "",
      relations: split(d.relation, " "), year: d.year ? parseInt(d.year, 10) : null,
      topics: split(d.topics, " "), types: split(d.types, "|"), tags: split(d.tags, "|"),
      flag: d.flag ? [d.flag, ""] : null,
      title: cell("title"), author: cell("author"), journal: cell("journal"),
      text: tr.textContent + " " + split(d.tags, "|").join(" ")
    };
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function slug(value) { return String(value).toLowerCase().replace(/[^a-z0-9-]/g, ""); }

  /* A table row for a JSON row: the same markup as the page's own rows (templates/literature.md.j2). */
  function makeTr(row, data) {
    var tr = el("tr");
    tr.dataset.key = row.key;
    tr.dataset.relation = row.relations.join(" ");
    tr.dataset.year = row.year === null ? "" : String(row.year);
    tr.dataset.topics = row.topics.join(" ");
    tr.dataset.types = row.types.join("|");
    tr.dataset.tags = row.tags.join("|");
    var title = el("td", "rs-lit-title");
    var link = el("a", null, row.title);
    link.href = data.papers + encodeURIComponent(row.key) + "/";
    title.appendChild(link);
    if (Array.isArray(row.flag) && row.flag.length === 2) {
      title.appendChild(document.createTextNode(" "));
      title.appendChild(el("span", "rs-flag rs-flag--" + slug(row.flag[0]), row.flag[1]));
    }
    tr.appendChild(title);
    tr.appendChild(el("td", "rs-lit-author", row.author));
    tr.appendChild(el("td", "rs-lit-year", row.year === null ? "" : row.year));
    tr.appendChild(el("td", "rs-lit-journal", row.journal));
    var relation = el("td", "rs-lit-relation");
    row.relations.forEach(function (r) {
      relation.appendChild(el("span", "rs-rel rs-rel--" + slug(r), (data.relations || {})[r] || r));
    });
    tr.appendChild(relation);
    var topics = el("td", "rs-lit-topics");
    var known = row.topics.filter(function (t) { return data.topics && data.topics[t]; });
    if (known.length) {
      var details = el("details");
      details.appendChild(el("summary", null, known.length + (known.length === 1 ? " topic" : " topics")));
      var list = el("ul");
      known.forEach(function (t) {
        var a = el("a", null, data.topics[t].title);
        a.href = data.topics[t].url;
        var li = el("li");
        li.appendChild(a);
        list.appendChild(li);
      });
      details.appendChild(list);
      topics.appendChild(details);
    }
    tr.appendChild(topics);
    return tr;
  }

  /* Every row, from the JSON (the page's own rows are kept, so their state survives). */
  function loadAll() {
    if (!loading) {
      loading = fetch(rowsUrl, { credentials: "same-origin" }).then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      }).then(function (data) {
        var mine = {};
        rows.forEach(function (row) { mine[row.key] = row.tr; });
        rows = api.rowsFromData(data).map(function (row) {
          row.tr = mine[row.key] || null;
          row.data = data;
          return row;
        });
        complete = true;
      });
    }
    return loading;
  }

  function readForm() {
    var params = new URLSearchParams();
    Array.prototype.forEach.call(form.elements, function (field) {
      if (field.name) params.set(field.name, field.value);
    });
    return api.parseState(params);
  }

  function writeForm(state) {
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || !(field.name in state)) return;
      var value = state[field.name] === null ? "" : String(state[field.name]);
      field.value = value;
      if (field.tagName === "SELECT" && field.value !== value) field.value = "";
    });
  }

  function number(n) { return n.toLocaleString("en"); }

  function render(state, push) {
    var matching = api.apply(rows, state);
    var shown = matching.slice(0, limit);
    var fragment = document.createDocumentFragment();
    shown.forEach(function (row) {
      if (!row.tr) row.tr = makeTr(row, row.data);
      row.tr.hidden = false;
      fragment.appendChild(row.tr);
    });
    while (body.firstChild) body.removeChild(body.firstChild);
    body.appendChild(fragment);
    if (yearHeader) {
      var dir = state.sort === "year-desc" ? "descending" : state.sort === "year-asc" ? "ascending" : null;
      if (dir) yearHeader.setAttribute("aria-sort", dir); else yearHeader.removeAttribute("aria-sort");
    }
    var all = complete ? rows.length : parseInt(table.getAttribute("data-total"), 10) || rows.length;
    var filtered = !api.isDefault(state);
    var found = filtered ? matching.length : all;
    var text;
    if (!filtered) {
      text = shown.length >= all ? "Showing all " + number(all) + " papers."
        : "Showing the newest " + number(shown.length) + " of " + number(all) + " papers.";
    } else {
      text = number(found) + " of " + number(all) + " papers match"
        + (shown.length < found ? "; showing the first " + number(shown.length) + "." : ".");
    }
    if (failed) text += " The other papers could not be loaded; the downloads above hold them all.";
    count.textContent = text;
    var left = found - shown.length;
    if (more) {
      more.hidden = left <= 0 || failed;
      more.textContent = "Show " + number(Math.min(pageSize, left)) + " more";
    }
    if (push) {
      var query = api.serializeState(state);
      history.replaceState(history.state, "", location.pathname + (query ? "?" + query : "") + location.hash);
    }
  }

  function update(push) {
    var state = readForm();
    if (complete || failed || (api.isDefault(state) && limit <= rows.length)) {
      render(state, push);
      return;
    }
    count.textContent = "Loading the other papers…";
    loadAll().then(function () { render(readForm(), push); }, function () {
      failed = true;
      render(readForm(), push);
    });
  }

  var initial = api.parseState(location.search);
  writeForm(initial);
  form.hidden = false;
  count.hidden = false;
  update(false);

  var timer = null;
  /* Typing waits for a pause; a choice (a select's change) applies at once, and cancels a pending pause. */
  form.addEventListener("input", function (event) {
    if (event.target && event.target.tagName === "SELECT") return;
    clearTimeout(timer);
    timer = setTimeout(function () { limit = pageSize; update(true); }, 120);
  });
  form.addEventListener("change", function () { clearTimeout(timer); limit = pageSize; update(true); });
  form.addEventListener("submit", function (event) { event.preventDefault(); update(true); });
  form.addEventListener("reset", function () {
    setTimeout(function () { writeForm(api.defaults()); limit = pageSize; update(true); }, 0);
  });
  if (more) {
    more.addEventListener("click", function () { limit += pageSize; update(false); });
  }
  /* One open "N topics" list at a time (on a screen it floats over the row); Escape or a click elsewhere
   * closes it. */
  table.addEventListener("toggle", function (event) {
    if (!event.target.open) return;
    Array.prototype.forEach.call(table.querySelectorAll("details[open]"), function (other) {
      if (other !== event.target) other.open = false;
    });
  }, true);
  document.addEventListener("click", function (event) {
    Array.prototype.forEach.call(table.querySelectorAll("details[open]"), function (open) {
      if (!open.contains(event.target)) open.open = false;
    });
  });
  table.addEventListener("keydown", function (event) {
    var open = event.key === "Escape" && event.target.closest ? event.target.closest("details[open]") : null;
    if (open) {
      open.open = false;
      open.querySelector("summary").focus();
    }
  });
})();
