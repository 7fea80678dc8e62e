// Minimin's small progressive enhancements. Every page works without this file.
(function () {
  "use strict";
  // Ask before destructive actions: any form with data-confirm.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
  // Move focus to the error summary so screen readers announce it.
  var summary = document.querySelector(".error-summary");
  if (summary) { summary.focus(); }

  // A table wider than the screen scrolls inside its .table-wrap. While it does, the wrap is a
  // focusable region named after the table, so that it can be scrolled from the keyboard too;
  // a wrap that fits stays out of the Tab order.
  var wraps = document.querySelectorAll(".table-wrap");
  var labelCount = 0;
  function idOf(element) {
    if (!element.id) {
      labelCount += 1;
      element.id = "table-label-" + labelCount;
    }
    return element.id;
  }
  function labelOf(wrap) {
    var table = wrap.querySelector("table");
    if (table && table.getAttribute("aria-labelledby")) {
      return table.getAttribute("aria-labelledby");
    }
    if (table && table.caption) { return idOf(table.caption); }
    // Otherwise the heading before the table, in its own section or an enclosing one.
    for (var node = wrap; node && node !== document.body; node = node.parentElement) {
      for (var before = node.previousElementSibling; before; before = before.previousElementSibling) {
        if (/^H[1-6]$/.test(before.tagName)) { return idOf(before); }
      }
    }
    return null;
  }
  function markScrollingTables() {
    for (var i = 0; i < wraps.length; i++) {
      var wrap = wraps[i];
      var scrolls = wrap.scrollWidth > wrap.clientWidth;
      if (scrolls && !wrap.hasAttribute("data-scrolls")) {
        var label = labelOf(wrap);
        wrap.setAttribute("data-scrolls", "");
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        if (label) { wrap.setAttribute("aria-labelledby", label); }
      } else if (!scrolls && wrap.hasAttribute("data-scrolls")) {
        wrap.removeAttribute("data-scrolls");
        wrap.removeAttribute("tabindex");
        wrap.removeAttribute("role");
        wrap.removeAttribute("aria-labelledby");
      }
    }
  }
  if (wraps.length) {
    markScrollingTables();
    var pending = false;
    var later = function () {
      if (!pending) {
        pending = true;
        window.requestAnimationFrame(function () { pending = false; markScrollingTables(); });
      }
    };
    window.addEventListener("resize", later);
    // A table inside <details> only takes its width once opened ("toggle" does not bubble).
    document.addEventListener("toggle", later, true);
  }
})();
