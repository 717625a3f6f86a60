/* reviewsite: small progressive enhancements; every page is complete and readable without them. */
(function () {
  "use strict";

  /* Citation tooltips show on hover and focus (CSS); Escape hides them until the pointer or focus moves. */
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") document.documentElement.classList.add("rs-tips-off");
  });
  ["mousemove", "focusin"].forEach(function (name) {
    document.addEventListener(name, function () {
      document.documentElement.classList.remove("rs-tips-off");
    }, { passive: true });
  });

  /* Literature explorer: filter and sort the table; the state lives in the URL query string. */
  var table = document.getElementById("literature-table");
  var form = document.getElementById("literature-filters");
  var count = document.getElementById("literature-count");
  var api = window.RSExplorer;
  if (!table || !form || !api || !window.URLSearchParams) return;

  var body = table.tBodies[0];
  var yearHeader = table.tHead ? table.tHead.rows[0].cells[2] : null;
  var rows = Array.prototype.map.call(body.rows, function (tr, index) {
    var d = tr.dataset;
    var split = function (value, sep) { return value ? value.split(sep) : []; };
    return {
      tr: tr,
      index: index,
      relations: split(d.relation, " "),
      year: d.year ? parseInt(d.year, 10) : null,
      topics: split(d.topics, " "),
      types: split(d.types, "|"),
      title: tr.cells[0].textContent,
      author: tr.cells[1].textContent,
      text: tr.textContent + " " + split(d.tags, "|").join(" ")
    };
  });

  function readForm() {
    var params = new URLSearchParams();
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.name) params.set(el.name, el.value);
    });
    return api.parseState(params);
  }

  function writeForm(state) {
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || !(el.name in state)) return;
      var value = state[el.name] === null ? "" : String(state[el.name]);
      el.value = value;
      if (el.tagName === "SELECT" && el.value !== value) el.value = "";
    });
  }

  function render(state, push) {
    var shown = api.apply(rows, state);
    var visible = new Set(shown);
    rows.forEach(function (row) { row.tr.hidden = !visible.has(row); });
    var fragment = document.createDocumentFragment();
    shown.forEach(function (row) { fragment.appendChild(row.tr); });
    rows.forEach(function (row) { if (!visible.has(row)) fragment.appendChild(row.tr); });
    body.appendChild(fragment);
    if (yearHeader) {
      var dir = state.sort === "year-desc" ? "descending" : state.sort === "year-asc" ? "ascending" : null;
      if (dir) yearHeader.setAttribute("aria-sort", dir); else yearHeader.removeAttribute("aria-sort");
    }
    count.textContent = shown.length === rows.length
      ? "Showing all " + rows.length + " papers."
      : "Showing " + shown.length + " of " + rows.length + " papers.";
    if (push) {
      var query = api.serializeState(state);
      history.replaceState(history.state, "", location.pathname + (query ? "?" + query : "") + location.hash);
    }
  }

  var initial = api.parseState(location.search);
  writeForm(initial);
  form.hidden = false;
  count.hidden = false;
  render(initial, false);

  var timer = null;
  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { render(readForm(), true); }, 120);
  });
  form.addEventListener("change", function () { render(readForm(), true); });
  form.addEventListener("submit", function (event) { event.preventDefault(); render(readForm(), true); });
  form.addEventListener("reset", function () {
    setTimeout(function () { writeForm(api.defaults()); render(api.defaults(), true); }, 0);
  });
})();
