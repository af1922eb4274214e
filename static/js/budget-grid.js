// The amount grid behaves like a spreadsheet (progressive enhancement: without script it
// is a plain form). In an amount cell:
// - ArrowUp / ArrowDown and Enter move to the cell above or below (Enter does not send
//   the form; the Save button does); ArrowLeft / ArrowRight move to the cell beside when
//   the caret is at the start or the end of the text.
// - Pasting several lines (a column copied from Excel) fills this cell and the ones
//   below; tab-separated values fill the cells to the right as well. The server reads
//   and checks every amount on save, as it does for typed ones.
(function () {
  "use strict";
  var grid = document.querySelector("table.budget-grid");
  if (!grid) return;
  var rows = [];
  grid.querySelectorAll("tr").forEach(function (tr) {
    var cells = Array.prototype.slice.call(tr.querySelectorAll("input[inputmode='numeric']"));
    if (cells.length) rows.push(cells);
  });
  function position(input) {
    for (var r = 0; r < rows.length; r++) {
      var c = rows[r].indexOf(input);
      if (c !== -1) return [r, c];
    }
    return null;
  }
  function cellAt(r, c) {
    return r >= 0 && r < rows.length ? rows[r][c] || null : null;
  }
  function move(input, dr, dc) {
    var at = position(input);
    if (!at) return false;
    var target = cellAt(at[0] + dr, at[1] + dc);
    if (!target) return false;
    target.focus();
    target.select();
    return true;
  }
  grid.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!input.matches("input[inputmode='numeric']") || event.altKey || event.ctrlKey || event.metaKey) return;
    var atStart = input.selectionStart === 0 && input.selectionEnd === 0;
    var atEnd = input.selectionStart === input.value.length;
    var moved = false;
    if (event.key === "ArrowDown" || (event.key === "Enter" && !event.shiftKey)) moved = move(input, 1, 0) || event.key === "Enter";
    else if (event.key === "ArrowUp" || (event.key === "Enter" && event.shiftKey)) moved = move(input, -1, 0) || event.key === "Enter";
    else if (event.key === "ArrowLeft" && atStart) moved = move(input, 0, -1);
    else if (event.key === "ArrowRight" && atEnd) moved = move(input, 0, 1);
    if (moved) event.preventDefault();
  });
  grid.addEventListener("paste", function (event) {
    var input = event.target;
    var at = input.matches("input[inputmode='numeric']") ? position(input) : null;
    var text = event.clipboardData ? event.clipboardData.getData("text/plain") : "";
    if (!at || !/[\t\n]/.test(text.replace(/\s+$/, ""))) return;
    event.preventDefault();
    text.replace(/\r/g, "").replace(/\n+$/, "").split("\n").forEach(function (line, dr) {
      line.split("\t").forEach(function (value, dc) {
        var cell = cellAt(at[0] + dr, at[1] + dc);
        if (!cell) return;
        cell.value = value.trim();
        cell.dispatchEvent(new Event("input", { bubbles: true }));
      });
    });
  });
})();
