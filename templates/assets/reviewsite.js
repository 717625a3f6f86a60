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

  /* The literature explorer lives in literature.js (with explorer.js). */
})();
