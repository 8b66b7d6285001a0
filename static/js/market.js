// Ask before destructive actions: any form with data-confirm needs a yes first.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var message = form.getAttribute && form.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});

// A list table on a phone is a card per row (.table-stack in market.css): each cell gets its column's name as
// data-label, read from the header (a cell that names the row, .stack-title, or has a label already is left).
Array.prototype.forEach.call(document.querySelectorAll("table.table-stack"), function (table) {
  var header = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
  var names = [];
  Array.prototype.forEach.call(header ? header.cells : [], function (th) {
    for (var i = 0; i < (th.colSpan || 1); i++) names.push(th.textContent.trim());
  });
  Array.prototype.forEach.call(table.querySelectorAll("tbody > tr, tfoot > tr"), function (row) {
    var column = 0;
    Array.prototype.forEach.call(row.cells, function (cell) {
      if (!cell.hasAttribute("data-label") && !cell.classList.contains("stack-title")) {
        cell.setAttribute("data-label", names[column] || "");
      }
      column += cell.colSpan || 1;
    });
  });
});
