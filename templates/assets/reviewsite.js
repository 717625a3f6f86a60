/* reviewsite: small progressive enhancements; every page is complete and readable without them. */
(function () {
  "use strict";

  var root = document.documentElement;

  /* Citation tooltips show on hover and focus (CSS); Escape hides them until the pointer or focus moves.
     On touch screens hover and focus stick after a tap, so there a tap pins the tooltip instead (the CSS
     then shows only the pinned one): the first tap on a number pins its tooltip, a second tap follows
     the link to the reference list, and a tap anywhere else, or Escape, closes it. */
  function unpin(except) {
    Array.prototype.forEach.call(document.querySelectorAll(".rs-cite--pinned"), function (el) {
      if (el !== except) el.classList.remove("rs-cite--pinned");
    });
  }

  /* Keep a shown tooltip inside the window: shift it left when it would stick out on the right. */
  function place(cite) {
    var tip = cite.querySelector(".rs-tip");
    if (!tip) return;
    tip.style.removeProperty("left");
    if (getComputedStyle(tip).position === "fixed") return;
    var over = tip.getBoundingClientRect().right - (root.clientWidth - 8);
    if (over > 0) tip.style.left = -over + "px";
  }

  document.addEventListener("keydown", function (event) {
    root.classList.remove("rs-touch");
    if (event.key === "Escape") {
      root.classList.add("rs-tips-off");
      unpin(null);
    }
  });
  ["mousemove", "focusin"].forEach(function (name) {
    document.addEventListener(name, function () {
      root.classList.remove("rs-tips-off");
    }, { passive: true });
  });
  document.addEventListener("pointerdown", function (event) {
    root.classList.toggle("rs-touch", event.pointerType === "touch" || event.pointerType === "pen");
    var target = event.target;
    var cite = target && target.closest ? target.closest("a.rs-cite") : null;
    if (!cite) unpin(null);
  }, { passive: true });
  document.addEventListener("click", function (event) {
    var target = event.target;
    var cite = target && target.closest ? target.closest("a.rs-cite") : null;
    if (!cite || !root.classList.contains("rs-touch")) return;
    if (cite.classList.contains("rs-cite--pinned")) {
      unpin(null);
      return;
    }
    event.preventDefault();
    unpin(cite);
    cite.classList.add("rs-cite--pinned");
    place(cite);
  });
  ["mouseover", "focusin"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      var target = event.target;
      var cite = target && target.closest ? target.closest("a.rs-cite") : null;
      if (cite) place(cite);
    }, { passive: true });
  });

  /* Wide figures and tables scroll inside their own box: say so only when they do not fit. */
  function markScrollers() {
    Array.prototype.forEach.call(document.querySelectorAll(".rs-scroll"), function (box) {
      var parent = box.parentElement;
      if (!parent || !parent.classList.contains("rs-scrollbox")) return;
      var overflows = box.scrollWidth > box.clientWidth + 1;
      parent.classList.toggle("rs-scrollbox--overflows", overflows);
      parent.classList.toggle("rs-scrollbox--fits", !overflows);
    });
  }
  markScrollers();
  window.addEventListener("resize", markScrollers, { passive: true });
  if (window.ResizeObserver) {
    var observer = new ResizeObserver(markScrollers);
    Array.prototype.forEach.call(document.querySelectorAll(".rs-scroll"), function (box) { observer.observe(box); });
  }

  /* Paper pages: "Download BibTeX / RIS" saves the citation the page shows (#cite-bib, #cite-ris) as a file,
     so no site needs a download file per paper. Without this script the links lead to that text. */
  document.addEventListener("click", function (event) {
    var target = event.target;
    var link = target && target.closest ? target.closest("a[data-rs-save]") : null;
    if (!link || !window.Blob || !window.URL || !URL.createObjectURL) return;
    var source = document.getElementById(link.getAttribute("data-rs-save"));
    if (!source) return;
    event.preventDefault();
    var blob = new Blob([source.textContent.replace(/\s+$/, "") + "\n"],
                        { type: (link.getAttribute("data-rs-type") || "text/plain") + ";charset=utf-8" });
    var url = URL.createObjectURL(blob);
    var save = document.createElement("a");
    save.href = url;
    save.download = link.getAttribute("data-rs-file") || "citation.txt";
    document.body.appendChild(save);
    save.click();
    document.body.removeChild(save);
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  });

  /* The literature explorer lives in literature.js (with explorer.js). */
})();
