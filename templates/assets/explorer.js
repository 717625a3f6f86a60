/* reviewsite literature explorer: the pure filtering and sorting logic (no DOM).
 * In the browser it is `window.RSExplorer`; under Node, `require("./explorer.js")`.
 *
 * A row is {relations: [..], year: number|null, topics: [..], types: [..], title, author, text}.
 * A state is {relation, from, to, topic, type, text, sort}; it round-trips through the URL query string. */
(function (root, factory) {
  "use strict";
  var api = factory();
  if (typeof module === "object" && module.exports) {
    module.exports = api;
  } else {
    root.RSExplorer = api;
  }
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  var SORTS = ["year-desc", "year-asc", "title-asc", "author-asc"];
  var KEYS = ["relation", "from", "to", "topic", "type", "text", "sort"];

  function defaults() {
    return { relation: "", from: null, to: null, topic: "", type: "", text: "", sort: "year-desc" };
  }

  function parseYear(value) {
    var s = String(value == null ? "" : value).trim();
    if (!/^[0-9]{4}$/.test(s)) return null;
    return parseInt(s, 10);
  }

  function clean(value, max) {
    return String(value == null ? "" : value).replace(/\s+/g, " ").trim().slice(0, max || 200);
  }

  /* Query string ("?relation=x&from=2020" or URLSearchParams) -> state; unknown or bad values fall back. */
  function parseState(query) {
    var params = typeof query === "string" ? new URLSearchParams(query.replace(/^\?/, "")) : query;
    var state = defaults();
    state.relation = clean(params.get("relation"), 40);
    state.from = parseYear(params.get("from"));
    state.to = parseYear(params.get("to"));
    state.topic = clean(params.get("topic"), 120);
    state.type = clean(params.get("type"), 120);
    state.text = clean(params.get("text"), 200);
    var sort = params.get("sort");
    state.sort = SORTS.indexOf(sort) >= 0 ? sort : "year-desc";
    return state;
  }

  /* State -> query string without "?", defaults left out, keys in a fixed order. */
  function serializeState(state) {
    var base = defaults();
    var params = new URLSearchParams();
    KEYS.forEach(function (key) {
      var value = state[key];
      if (value === null || value === undefined || value === "" || value === base[key]) return;
      params.set(key, String(value));
    });
    return params.toString();
  }

  function fold(text) {
    return String(text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function matches(row, state) {
    if (state.relation && row.relations.indexOf(state.relation) < 0) return false;
    if (state.from !== null || state.to !== null) {
      if (row.year === null || row.year === undefined || isNaN(row.year)) return false;
      if (state.from !== null && row.year < state.from) return false;
      if (state.to !== null && row.year > state.to) return false;
    }
    if (state.topic && row.topics.indexOf(state.topic) < 0) return false;
    if (state.type && row.types.indexOf(state.type) < 0) return false;
    if (state.text) {
      var hay = fold(row.text);
      var words = fold(state.text).split(" ");
      for (var i = 0; i < words.length; i++) {
        if (words[i] && hay.indexOf(words[i]) < 0) return false;
      }
    }
    return true;
  }

  function byText(field) {
    return function (a, b) {
      return fold(a[field]).localeCompare(fold(b[field]), "en");
    };
  }

  /* Comparator for a sort name; ties keep the original (server) order through `index`. */
  function comparator(sort) {
    var primary;
    if (sort === "year-asc" || sort === "year-desc") {
      var sign = sort === "year-asc" ? 1 : -1;
      primary = function (a, b) {
        var ay = a.year === null || a.year === undefined || isNaN(a.year);
        var by = b.year === null || b.year === undefined || isNaN(b.year);
        if (ay || by) return ay === by ? 0 : ay ? 1 : -1; /* undated last either way */
        return sign * (a.year - b.year);
      };
    } else if (sort === "author-asc") {
      primary = byText("author");
    } else {
      primary = byText("title");
    }
    return function (a, b) {
      return primary(a, b) || (a.index || 0) - (b.index || 0);
    };
  }

  /* Rows in, the matching rows out, sorted (a new array; rows are not changed). */
  function apply(rows, state) {
    return rows.filter(function (row) { return matches(row, state); }).sort(comparator(state.sort));
  }

  return {
    SORTS: SORTS,
    defaults: defaults,
    parseState: parseState,
    serializeState: serializeState,
    matches: matches,
    comparator: comparator,
    apply: apply,
    fold: fold
  };
});
