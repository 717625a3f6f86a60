/* reviewsite literature explorer: the pure filtering, sorting and decoding logic (no DOM).
 * In the browser it is `window.RSExplorer`; under Node, `require("./explorer.js")`.
 *
 * A row is {index, key, relations: [..], year: number|null, topics: [..], types: [..], tags: [..],
 *           title, author, journal, text}.
 * A state is {relation, from, to, topic, type, tag, notice, text, sort}; it round-trips through the URL query
 * string. `notice` keeps the papers with an integrity notice: "any", or one level ("retracted", "concern",
 * "corrected"); a row's `flag` is [level, label] or null.
 * Rows come from the page's table or, when the page lists only the newest papers, from the compact JSON
 * the literature view writes (`rowsFromData`). */
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

  var SORTS = ["year-desc", "year-asc", "title-asc", "author-asc", "journal-asc"];
  var KEYS = ["relation", "from", "to", "topic", "type", "tag", "notice", "text", "sort"];
  var NOTICES = ["any", "retracted", "concern", "corrected"];
  var FIELDS = ["key", "title", "author", "year", "journal", "relations", "topics", "types", "tags", "flag"];

  function defaults() {
    return { relation: "", from: null, to: null, topic: "", type: "", tag: "", notice: "", text: "",
      sort: "year-desc" };
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
    state.tag = clean(params.get("tag"), 120);
    var notice = params.get("notice");
    state.notice = NOTICES.indexOf(notice) >= 0 ? notice : "";
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

  /* Whether a state shows the rows in the page's own order, unfiltered. */
  function isDefault(state) {
    return serializeState(state) === "";
  }

  function fold(text) {
    return String(text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function missingYear(year) {
    return year === null || year === undefined || isNaN(year);
  }

  function matches(row, state) {
    if (state.relation && row.relations.indexOf(state.relation) < 0) return false;
    if (state.from !== null || state.to !== null) {
      if (missingYear(row.year)) return false;
      if (state.from !== null && row.year < state.from) return false;
      if (state.to !== null && row.year > state.to) return false;
    }
    if (state.topic && row.topics.indexOf(state.topic) < 0) return false;
    if (state.type && row.types.indexOf(state.type) < 0) return false;
    if (state.tag && (row.tags || []).indexOf(state.tag) < 0) return false;
    if (state.notice) {
      var level = Array.isArray(row.flag) ? row.flag[0] : "";
      if (!level || (state.notice !== "any" && level !== state.notice)) return false;
    }
    if (state.text) {
      var hay = fold(row.text);
      var words = fold(state.text).split(" ");
      for (var i = 0; i < words.length; i++) {
        if (words[i] && hay.indexOf(words[i]) < 0) return false;
      }
    }
    return true;
  }

  /* Text order, A to Z; a row without the value goes last. */
  function byText(field) {
    return function (a, b) {
      var x = fold(a[field]).trim();
      var y = fold(b[field]).trim();
      if (!x || !y) return x === y ? 0 : x ? -1 : 1;
      return x.localeCompare(y, "en");
    };
  }

  /* Year order in either direction; an undated row goes last either way. */
  function byYear(sign) {
    return function (a, b) {
      var ax = missingYear(a.year);
      var bx = missingYear(b.year);
      if (ax || bx) return ax === bx ? 0 : ax ? 1 : -1;
      return sign * (a.year - b.year);
    };
  }

  /* Comparator for a sort name; ties keep the original (server) order through `index`. */
  function comparator(sort) {
    var primary = sort === "year-asc" ? byYear(1)
      : sort === "year-desc" ? byYear(-1)
      : sort === "author-asc" ? byText("author")
      : sort === "journal-asc" ? byText("journal")
      : byText("title");
    return function (a, b) {
      return primary(a, b) || (a.index || 0) - (b.index || 0);
    };
  }

  /* Rows in, the matching rows out, sorted (a new array; rows are not changed). */
  function apply(rows, state) {
    return rows.filter(function (row) { return matches(row, state); }).sort(comparator(state.sort));
  }

  /* The compact JSON of the literature view -> rows. `data.fields` names the columns of `data.rows`;
   * relation and topic labels come from `data.relations` and `data.topics` (for the free-text filter). */
  function rowsFromData(data) {
    var fields = data.fields || FIELDS;
    var relations = data.relations || {};
    var topics = data.topics || {};
    return (data.rows || []).map(function (values, index) {
      var row = { index: index };
      fields.forEach(function (name, i) { row[name] = values[i]; });
      ["relations", "topics", "types", "tags"].forEach(function (name) {
        if (!Array.isArray(row[name])) row[name] = [];
      });
      row.year = missingYear(row.year) || row.year === "" ? null : Number(row.year);
      ["key", "title", "author", "journal"].forEach(function (name) { row[name] = String(row[name] || ""); });
      var words = [row.title, row.author, row.journal, row.year === null ? "" : String(row.year)];
      row.relations.forEach(function (r) { words.push(relations[r] || ""); });
      row.topics.forEach(function (t) { words.push(topics[t] ? topics[t].title : ""); });
      row.text = words.concat(row.tags).join(" ");
      return row;
    });
  }

  return {
    SORTS: SORTS,
    FIELDS: FIELDS,
    defaults: defaults,
    parseState: parseState,
    serializeState: serializeState,
    isDefault: isDefault,
    matches: matches,
    comparator: comparator,
    apply: apply,
    rowsFromData: rowsFromData,
    fold: fold
  };
});
