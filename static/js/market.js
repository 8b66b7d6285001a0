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
