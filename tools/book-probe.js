// tools/book-probe.js: injected by `tools/book.sh check` into a copy of each book page.
// Records what a reader's browser would show as broken (a resource that failed to load, an
// image that is not shown, a stylesheet that did not apply, a script or console error) and,
// once the page has loaded, writes it into the page as "PROBE ..." lines, "PROBE OK" when clean,
// for chromium --dump-dom to print.
(function () {
  "use strict";
  var problems = [];
  window.addEventListener("error", function (e) {
    var t = e.target;
    if (t && t !== window && (t.src || t.href)) {
      problems.push("missing resource: " + (t.src || t.href));
    } else {
      problems.push("script error: " + e.message);
    }
  }, true);
  var consoleError = console.error;
  console.error = function () {
    problems.push("console error: " + Array.prototype.join.call(arguments, " "));
    return consoleError.apply(console, arguments);
  };
  window.addEventListener("load", function () {
    var i, img = document.images, css = document.querySelectorAll("link[rel=stylesheet]");
    for (i = 0; i < img.length; i++) {
      if (!img[i].complete || img[i].naturalWidth === 0) {
        problems.push("image not shown: " + img[i].src);
      }
    }
    for (i = 0; i < css.length; i++) {
      if (!css[i].sheet) problems.push("stylesheet not loaded: " + css[i].href);
    }
    var wide = document.documentElement.scrollWidth;
    if (wide > window.innerWidth + 1) {
      problems.push("layout: the page is " + wide + "px wide in a " + window.innerWidth + "px window");
    }
    var out = document.createElement("pre");
    out.id = "book-probe";
    out.textContent = problems.length ? "PROBE " + problems.join("\nPROBE ") : "PROBE OK";
    // where the first diagram ends, so that a screenshot can be tall enough to show it
    var fig = document.querySelector("figure img[src^='diagrams/']");
    if (fig) {
      var box = fig.getBoundingClientRect();
      out.textContent += "\nFIGURE-BOTTOM " + Math.ceil(box.bottom + window.scrollY);
    }
    document.body.appendChild(out);
  });
})();
