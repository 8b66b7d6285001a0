// Ask before destructive actions: any form with data-confirm needs a yes first.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var message = form.getAttribute && form.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});

// Money inputs (templates/_macros.html money_field): show what will be saved, in 元, as the amount is typed
// or its 元/万元 switch changes. Read the way the server reads it (market/money.read_yuan), in whole fen.
(function () {
  var UNITS = [["亿元", 100000000n], ["亿", 100000000n], ["万元", 10000n], ["万", 10000n], ["元", 1n]];

  function toFen(text, switchUnit) {
    text = text.normalize("NFKC").replace(/[\s,_]/g, "").replace(/^¥/, "");
    if (!text) return null;
    var factor = switchUnit === "元" ? 1n : 10000n;
    for (var i = 0; i < UNITS.length; i++) {
      if (text.endsWith(UNITS[i][0])) {
        text = text.slice(0, -UNITS[i][0].length);
        factor = UNITS[i][1];
        break;
      }
    }
    var match = /^(\d*)(?:\.(\d*))?$/.exec(text);
    if (!match || (!match[1] && !match[2])) return "金额必须是数字，例如 150000、15万、12.5万元 或 1,200,000";
    var whole = BigInt(match[1] || "0");
    var decimals = match[2] || "";
    var scale = 10n ** BigInt(decimals.length);
    var fen = (whole * scale + BigInt(decimals || "0")) * factor * 100n;
    if (fen % scale !== 0n) return "金额最多保留两位小数（精确到分）";
    return fen / scale;
  }

  function yuanText(fen) {
    var yuan = (fen / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    var cents = (fen % 100n).toString().padStart(2, "0");
    return yuan + "." + cents + " 元";
  }

  function preview(box) {
    var input = box.querySelector("input");
    var unit = box.querySelector("[data-money-unit]");
    var out = box.querySelector("[data-money-preview]");
    var fen = toFen(input.value, unit.value);
    out.textContent = fen === null ? "" : typeof fen === "string" ? fen : "即 " + yuanText(fen);
  }

  document.querySelectorAll("[data-money]").forEach(function (box) {
    box.addEventListener("input", function () { preview(box); });
    box.addEventListener("change", function () { preview(box); });
    preview(box);
  });
})();

// Pick by typing (templates/_macros.html pick_field): the number input stays as the form's value, hidden; a
// search box takes its place and its label, asks GET /lookup?kind=…&q=… as the name is typed and offers what
// the user may see. Choosing one puts its number in the form. Without JavaScript the number is typed.
(function () {
  function setup(box) {
    var value = box.querySelector("input");
    var search = document.createElement("input");
    var list = document.createElement("ul");
    var chosen = box.querySelector("[data-pick-chosen]");
    var listId = value.id + "-options";
    var items = [];
    var active = -1;
    var asked = 0;

    search.type = "search";
    search.className = value.className;
    search.placeholder = value.placeholder;
    search.autocomplete = "off";
    search.value = box.getAttribute("data-pick-shown") || value.value;
    search.setAttribute("role", "combobox");
    search.setAttribute("aria-autocomplete", "list");
    search.setAttribute("aria-expanded", "false");
    search.setAttribute("aria-controls", listId);
    if (value.getAttribute("aria-describedby")) {
      search.setAttribute("aria-describedby", value.getAttribute("aria-describedby"));
    }
    search.id = value.id;
    value.id = value.id + "-value";
    value.type = "hidden";
    list.id = listId;
    list.className = "list-group position-absolute w-100 shadow-sm pick-options";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    value.after(search, list);
    if (chosen) chosen.hidden = true;

    function close() {
      list.hidden = true;
      search.setAttribute("aria-expanded", "false");
      active = -1;
    }

    function choose(item) {
      value.value = String(item.id);
      search.value = item.label || item.title + "（" + item.org + "）";
      close();
    }

    function show(found) {
      items = found;
      list.textContent = "";
      if (!found.length) {
        var none = document.createElement("li");
        none.className = "list-group-item small text-muted";
        none.textContent = "没有找到，可换个词，或填写编号";
        list.appendChild(none);
      }
      found.forEach(function (item, index) {
        var option = document.createElement("li");
        option.className = "list-group-item list-group-item-action";
        option.id = listId + "-" + index;
        option.setAttribute("role", "option");
        option.dataset.index = String(index);
        var title = document.createElement("span");
        title.textContent = item.title;
        var meta = document.createElement("span");
        meta.className = "small text-muted ms-2";
        meta.textContent = item.detail || item.org + " · 编号 " + item.id;
        option.append(title, meta);
        list.appendChild(option);
      });
      list.hidden = false;
      search.setAttribute("aria-expanded", "true");
    }

    function highlight(index) {
      var options = list.querySelectorAll("[role=option]");
      if (!options.length) return;
      active = (index + options.length) % options.length;
      options.forEach(function (option, i) {
        option.classList.toggle("active", i === active);
        option.setAttribute("aria-selected", i === active ? "true" : "false");
      });
      search.setAttribute("aria-activedescendant", options[active].id);
    }

    var timer = null;
    search.addEventListener("input", function () {
      var text = search.value.trim();
      value.value = /^#?\d+$/.test(text) ? text.replace("#", "") : text;  // a number typed stays a number
      clearTimeout(timer);
      if (!text) { close(); return; }
      timer = setTimeout(function () {
        var mine = ++asked;
        var url = box.getAttribute("data-pick-url") + "?kind=" + encodeURIComponent(box.getAttribute("data-pick"))
          + "&q=" + encodeURIComponent(text);
        fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (response) { return response.ok ? response.json() : { items: [] }; })
          .then(function (body) { if (mine === asked) show(body.items || []); })
          .catch(function () { close(); });
      }, 200);
    });
    search.addEventListener("keydown", function (event) {
      if (list.hidden) return;
      if (event.key === "ArrowDown") { event.preventDefault(); highlight(active + 1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); highlight(active - 1); }
      else if (event.key === "Escape") { close(); }
      else if (event.key === "Enter" && active >= 0 && items[active]) { event.preventDefault(); choose(items[active]); }
    });
    list.addEventListener("mousedown", function (event) {
      var option = event.target.closest("[role=option]");
      if (option) { event.preventDefault(); choose(items[Number(option.dataset.index)]); }
    });
    search.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  document.querySelectorAll("[data-pick]").forEach(setup);
})();

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

// A sub-navigation that scrolls sideways on a phone (.nav-scroll in market.css): the current page's tab is
// scrolled into sight, so a page at the end of the row (发出的邮件) still shows where the user is.
Array.prototype.forEach.call(document.querySelectorAll(".nav-scroll"), function (nav) {
  var active = nav.querySelector(".nav-link.active");
  if (active && nav.scrollWidth > nav.clientWidth) {
    var item = active.parentElement;
    var left = item.getBoundingClientRect().left - nav.getBoundingClientRect().left + nav.scrollLeft;
    nav.scrollLeft = Math.max(0, left - (nav.clientWidth - item.offsetWidth) / 2);
  }
});
