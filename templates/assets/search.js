/* reviewsite site search: the header's search button opens a dialog (templates/overrides/partials/rs-search.html).
 * Nothing is fetched until a reader opens it; then Pagefind's script (pagefind/pagefind.js, built after the
 * engine by reviewsite.search) loads, and each query fetches only the index chunks and page fragments it
 * needs. Authors are looked up apart from Pagefind, in small JSON shards by the first two letters of a name
 * (reviewsite/authorindex.py), so that every author of every paper is found without Pagefind holding
 * them all while it builds. Results list mechanism, strategy and overview pages first, then papers by an
 * author whose names hold every word typed, then papers and other pages. */
(function () {
  "use strict";

  var dialog = document.getElementById("rs-search");
  var input = document.getElementById("rs-search-input");
  var status = document.getElementById("rs-search-status");
  var results = document.getElementById("rs-search-results");
  var script = document.currentScript;
  if (!dialog || !input || !status || !results || !script || typeof dialog.showModal !== "function") return;

  var bundle = new URL("../pagefind/", script.src).href;  /* this script lives in assets/ at the site's root */
  var siteRoot = new URL("../", script.src).pathname;
  var authorShards = new URL("../literature/authors/", script.src).href;
  var shards = {};
  var shardNames = null;
  var TOPICS = 4;
  var OTHERS = 8;
  var pagefind = null;
  var seq = 0;
  var timer = null;

  function load() {
    if (!pagefind) {
      /* Opening search loads Pagefind, its metadata and its filters (the first filtered search would
       * otherwise wait for them), so that the reader's first query only fetches its own index chunks. */
      pagefind = import(bundle + "pagefind.js").then(function (pf) {
        return pf.options({ basePath: bundle, baseUrl: siteRoot, excerptLength: 22 })
          .then(function () { return pf.init(); })
          .then(function () { return pf.filters(); })
          .then(function () { return pf; });
      });
      pagefind.catch(function () { pagefind = null; });
      listShards();
    }
    return pagefind;
  }

  /* Lower-case ASCII words, as authorindex.fold makes them. */
  function fold(text) {
    return String(text).normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^a-z0-9]+/g, " ").trim();
  }

  function json(url) {
    return fetch(url)
      .then(function (response) { return response.ok ? response.json() : null; })
      .catch(function () { return null; });
  }

  /* What the author index holds: its shards' names and how many papers a chunk file lists. */
  function listShards() {
    if (!shardNames) {
      shardNames = json(authorShards + "index.json").then(function (data) {
        return data && data.shards ? data : { shards: [], chunk: 1, places: 1 };
      });
    }
    return shardNames;
  }

  function shard(key) {
    if (!(key in shards)) {
      shards[key] = listShards().then(function (listing) {
        return listing.shards.indexOf(key) >= 0 ? json(authorShards + key + ".json") : null;
      });
    }
    return shards[key];
  }

  /* Key, title, byline and PMID of paper `n`, from the chunk file that lists it (fetched once). */
  function paper(n) {
    return listShards().then(function (listing) {
      var chunk = Math.floor(n / listing.chunk);
      if (!(("papers-" + chunk) in shards)) shards["papers-" + chunk] = json(authorShards + "papers-" + chunk + ".json");
      return shards["papers-" + chunk].then(function (rows) { return rows ? rows[n % listing.chunk] : null; });
    });
  }

  /* Papers with an author whose names hold every word of the query (the last word may be the start of a
   * name, as the reader types), in the literature's order; each as a result `fill` can show. */
  function byAuthor(query) {
    var words = fold(query).split(" ").filter(Boolean);
    if (!words.length || words.length > 4 || words.join("").length < 2) return Promise.resolve([]);
    var listing;
    return listShards().then(function (found) {
      listing = found;
      return Promise.all(words.map(function (w) { return shard(w.slice(0, 2)); }));
    }).then(function (loaded) {
      var found = words.map(function (word, i) {
        var names = loaded[i] || {};
        var places = {};
        var last = i === words.length - 1;
        Object.keys(names).forEach(function (name) {
          if (name === word || (last && name.lastIndexOf(word, 0) === 0)) {
            names[name].forEach(function (at) { places[at] = Math.floor(at / listing.places); });
          }
        });
        return places;
      });
      var numbers = {};
      Object.keys(found[0]).forEach(function (place) {
        if (found.every(function (places) { return place in places; })) numbers[found[0][place]] = true;
      });
      return Object.keys(numbers).map(Number).sort(function (a, b) { return a - b; }).map(function (n) {
        return { data: function () {
          return paper(n).then(function (row) {
            if (!row) throw new Error("author index: no paper " + n);
            return { url: siteRoot + "papers/" + row[0] + "/", meta: { title: row[1], byline: row[2], pmid: row[3] },
                     excerpt: "" };
          });
        } };
      });
    });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  /* Pagefind's excerpt is HTML with <mark> around the matches: keep the text and the marks, nothing else. */
  function excerpt(html) {
    var out = el("p", "rs-search__excerpt");
    var doc = new DOMParser().parseFromString("<body>" + (html || ""), "text/html");
    Array.prototype.forEach.call(doc.body.childNodes, function (node) {
      if (node.nodeType === 1 && node.nodeName === "MARK") out.appendChild(el("mark", null, node.textContent));
      else out.appendChild(document.createTextNode(node.textContent || ""));
    });
    return out;
  }

  function hit(data) {
    var li = el("li", "rs-search__hit");
    var link = el("a", "rs-search__link");
    link.href = data.url;
    if (data.meta && data.meta.kind) link.appendChild(el("span", "rs-search__kind", data.meta.kind));
    link.appendChild(el("span", "rs-search__title", (data.meta && data.meta.title) || data.url));
    li.appendChild(link);
    var meta = data.meta || {};
    var line = [meta.byline || "", meta.pmid ? "PMID " + meta.pmid : ""].filter(Boolean).join(" · ");
    if (line) li.appendChild(el("p", "rs-search__meta", line));
    if (data.excerpt) li.appendChild(excerpt(data.excerpt));
    return li;
  }

  /* Slots for results `from` to `from + count` in rank order, each filled (and shown) as soon as its page's
   * record has loaded, so the first results appear before the last have arrived. */
  function fill(list, found, from, count, mine) {
    return Promise.all(found.slice(from, from + count).map(function (result) {
      var slot = el("li", "rs-search__hit");
      slot.hidden = true;
      list.appendChild(slot);
      return result.data().then(function (data) {
        if (mine !== seq) return null;
        var item = hit(data);
        list.replaceChild(item, slot);
        return item;
      });
    }));
  }

  /* One group of results: its first hits, and a button that shows `step` more at a time. */
  function section(title, id, found, step, mine) {
    var box = el("section", "rs-search__group");
    box.setAttribute("aria-labelledby", id);
    var heading = el("h2", "rs-search__heading", title + " (" + found.length + ")");
    heading.id = id;
    box.appendChild(heading);
    var list = el("ol", "rs-search__list");
    box.appendChild(list);
    fill(list, found, 0, step, mine);
    if (found.length > step) {
      var more = el("button", "rs-search__more", "More " + title.toLowerCase());
      more.type = "button";
      var count = step;
      more.addEventListener("click", function () {
        fill(list, found, count, step, seq).then(function (items) {
          if (items[0]) items[0].querySelector("a").focus();
        });
        count += step;
        if (count >= found.length) more.remove();
      });
      box.appendChild(more);
    }
    return box;
  }

  function render(query, topics, authors, others, mine) {
    results.textContent = "";
    if (!topics.length && !authors.length && !others.length) {
      status.textContent = "Nothing found for “" + query + "”.";
      return;
    }
    /* Counted by group: a paper by the author typed may also match as text, so a sum could count it twice. */
    var parts = [];
    if (topics.length) parts.push(topics.length + (topics.length === 1 ? " topic" : " topics"));
    if (authors.length) parts.push(authors.length + " by author");
    if (others.length) parts.push(others.length + (others.length === 1 ? " paper or page" : " papers and pages"));
    status.textContent = parts.join(", ") + " for “" + query + "”.";
    if (topics.length) results.appendChild(section("Topics", "rs-search-topics", topics, TOPICS, mine));
    if (authors.length) results.appendChild(section("By author", "rs-search-authors", authors, OTHERS, mine));
    if (others.length) results.appendChild(section("Papers and pages", "rs-search-others", others, OTHERS, mine));
  }

  function search(query) {
    var mine = ++seq;
    query = query.trim();
    if (!query) {
      results.textContent = "";
      status.textContent = "Type a title word, an author, a PMID or a topic.";
      return;
    }
    load().then(function (pf) {
      return Promise.all([
        pf.search(query, { filters: { group: "topics" } }),
        byAuthor(query),
        pf.search(query, { filters: { group: { none: ["topics"] } } })
      ]).then(function (found) {
        if (mine === seq) {
          render(query, found[0] ? found[0].results : [], found[1], found[2] ? found[2].results : [], mine);
        }
      });
    }).catch(function () {
      if (mine !== seq) return;
      results.textContent = "";
      status.textContent = "Search could not be loaded. Check your connection and try again. (A live preview "
        + "from `reviewsite serve` has no search: `reviewsite build` makes it.)";
    });
  }

  function open() {
    if (!dialog.open) dialog.showModal();
    input.focus();
    input.select();
    load().catch(function () {});
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-rs-search-open]"), function (button) {
    button.hidden = false;
    button.addEventListener("click", open);
  });
  dialog.querySelector("[data-rs-search-close]").addEventListener("click", function () { dialog.close(); });
  dialog.addEventListener("click", function (event) {
    if (event.target === dialog) dialog.close();  /* a click on the backdrop */
  });
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { search(input.value); }, 30);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      event.preventDefault();  /* in a search field, Escape would only clear it */
      dialog.close();
    } else if (event.key === "Enter") {
      var first = results.querySelector("a");
      if (first) first.click();
    } else if (event.key === "ArrowDown") {
      var link = results.querySelector("a");
      if (link) { event.preventDefault(); link.focus(); }
    }
  });
  results.addEventListener("keydown", function (event) {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    var links = Array.prototype.slice.call(results.querySelectorAll("a"));
    var at = links.indexOf(document.activeElement);
    if (at < 0) return;
    event.preventDefault();
    if (event.key === "ArrowUp" && at === 0) input.focus();
    else if (links[at + (event.key === "ArrowDown" ? 1 : -1)]) links[at + (event.key === "ArrowDown" ? 1 : -1)].focus();
  });
  /* A link or form can open search with its words: any page's `?q=words`. */
  var asked = window.URLSearchParams ? new URLSearchParams(location.search).get("q") : null;
  if (asked && asked.trim()) {
    open();
    input.value = asked.trim().slice(0, 200);
    search(input.value);
  }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey || dialog.open) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    event.preventDefault();
    open();
  });
})();
