// Calendar keyboard navigation: arrow keys move between days (a roving tabindex), Home/End go
// to the start/end of the week, Page Up/Down follow the previous/next month links.
// Without this file the calendar is a plain table whose links are reached with Tab.
(function () {
  "use strict";
  var table = document.querySelector("table[data-calendar]");
  if (!table) { return; }
  var cells = Array.prototype.slice.call(table.querySelectorAll("td[data-day]"));
  if (!cells.length) { return; }
  var start = table.querySelector("td[aria-current='date']") || cells[0];
  cells.forEach(function (cell) { cell.setAttribute("tabindex", cell === start ? "0" : "-1"); });

  function move(from, to) {
    if (!to) { return; }
    from.setAttribute("tabindex", "-1");
    to.setAttribute("tabindex", "0");
    to.focus();
  }
  function byOffset(cell, days) {
    var index = cells.indexOf(cell) + days;
    return index >= 0 && index < cells.length ? cells[index] : null;
  }
  table.addEventListener("keydown", function (event) {
    var cell = event.target.closest ? event.target.closest("td[data-day]") : null;
    if (!cell || event.target !== cell) { return; }
    var row = cell.parentNode;
    var rowCells = Array.prototype.slice.call(row.querySelectorAll("td[data-day]"));
    var target = null;
    switch (event.key) {
      case "ArrowRight": target = byOffset(cell, 1); break;
      case "ArrowLeft": target = byOffset(cell, -1); break;
      case "ArrowDown": target = byOffset(cell, 7); break;
      case "ArrowUp": target = byOffset(cell, -7); break;
      case "Home": target = rowCells[0]; break;
      case "End": target = rowCells[rowCells.length - 1]; break;
      case "PageUp":
      case "PageDown":
        var link = document.querySelector(".calendar-nav a[rel='" + (event.key === "PageUp" ? "prev" : "next") + "']");
        if (link) { event.preventDefault(); window.location.href = link.href; }
        return;
      default: return;
    }
    event.preventDefault();
    move(cell, target);
  });
})();
