// The amount grid behaves like a spreadsheet (progressive enhancement: without script it
// is a plain form). In an amount cell:
// - ArrowUp / ArrowDown and Enter move to the cell above or below (Enter does not send
//   the form; the Save button does); ArrowLeft / ArrowRight move to the cell beside when
//   the caret is at the start or the end of the text.
// - Pasting several lines (a column copied from Excel) fills this cell and the ones
//   below; tab-separated values fill the cells to the right as well. The server reads
//   and checks every amount on save, as it does for typed ones.
// - Running totals: a moment after an amount is typed, the grid is posted with
//   "preview" (nothing is saved) and the server answers the totals' rows, computed by
//   the budget page's own function and drawn by the same template; they replace the
//   rows with the same ids. Without script, the button "Räkna om summorna" does the same
//   with a whole page.
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

  var form = grid.closest("form");
  if (!form || !window.fetch || !window.DOMParser || !document.getElementById("grid-totals-status")) return;
  var button = form.querySelector("[data-grid-preview]");
  if (button) button.hidden = true;
  var timer = null;
  var asked = 0;
  function failed() {
    var status = document.getElementById("grid-totals-status");
    status.textContent = status.dataset.failed;
  }
  function recompute() {
    var number = ++asked;
    var data = new FormData(form);
    data.append("preview", "1");
    fetch(form.action, {
      method: "POST",
      body: data,
      headers: { "X-Grid-Totals": "1" },
      credentials: "same-origin",
    })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (html) {
        if (number !== asked) return; // a later request is on its way
        var answer = new DOMParser().parseFromString(html, "text/html");
        answer.querySelectorAll("[id^='grid-total']").forEach(function (fresh) {
          var current = document.getElementById(fresh.id);
          if (current) current.replaceWith(document.importNode(fresh, true));
        });
      })
      .catch(function () {
        if (number === asked) failed();
      });
  }
  grid.addEventListener("input", function (event) {
    if (!event.target.matches("input[inputmode='numeric']")) return;
    window.clearTimeout(timer);
    timer = window.setTimeout(recompute, 400);
  });
})();
