// The job form's fee lines: "Add a fee line" adds the line in place (focus on its first
// field) instead of reloading the page, and a running guide of gross, commission, VAT on
// commission and net follows the typing. Without this file the form works the same through
// the server (which stays the source of truth for every saved figure).
(function () {
  "use strict";
  var list = document.getElementById("fee-lines");
  var template = document.getElementById("fee-line-template");
  var button = document.querySelector("[data-add-fee-line]");
  var panel = document.getElementById("running-totals");
  if (!list || !template) { return; }
  var form = list.closest("form");
  var maxLines = parseInt(list.getAttribute("data-max-lines"), 10) || 50;
  var PASS_THROUGH = { expenses: true, per_diem: true };

  function rows() { return list.querySelectorAll("[data-fee-line]"); }

  function nextIndex() {
    // Any unused index will do: the server renumbers the rows it receives in order.
    var highest = -1;
    rows().forEach(function (row) {
      var input = row.querySelector("[name^='fee_lines-']");
      var match = input && /^fee_lines-(\d+)-/.exec(input.name);
      if (match) { highest = Math.max(highest, parseInt(match[1], 10)); }
    });
    return highest + 1;
  }

  function addLine(event) {
    if (rows().length >= maxLines) { return; }  // the server says why
    event.preventDefault();
    var index = nextIndex();
    var html = template.innerHTML
      .split("__n__").join(String(index))
      .split("__num__").join(String(rows().length + 1));
    var holder = document.createElement("div");
    holder.innerHTML = html.trim();
    var row = holder.firstElementChild;
    var empty = list.querySelector("[data-no-lines]");
    if (empty) { empty.parentNode.removeChild(empty); }
    list.appendChild(row);
    var first = row.querySelector("select, input");
    if (first) { first.focus(); }
    if (rows().length >= maxLines && button) { button.hidden = true; }
    update();
  }

  function pence(text) {
    var clean = String(text || "").replace(/[£$€,\s]/g, "");
    if (!/^-?\d+(\.\d{0,2})?$/.test(clean)) { return null; }
    var parts = clean.replace("-", "").split(".");
    var value = parseInt(parts[0], 10) * 100 + parseInt(((parts[1] || "") + "00").slice(0, 2), 10);
    return clean.charAt(0) === "-" ? -value : value;
  }

  function number(text) {
    var clean = String(text || "").replace(/[,\s%]/g, "");
    return /^\d+(\.\d+)?$/.test(clean) ? parseFloat(clean) : null;
  }

  function field(name) { return form.querySelector("[name='" + name + "']"); }

  function value(name) {
    var input = field(name);
    return input ? input.value : "";
  }

  function agencyTerms() {
    var agencies = {};
    try { agencies = JSON.parse(panel.getAttribute("data-agencies") || "{}"); } catch (e) { agencies = {}; }
    return agencies[value("agency_id")] || null;
  }

  function format(amount) {
    var currency = value("currency") || "GBP";
    try {
      return new Intl.NumberFormat(document.documentElement.lang || "en-GB", {
        style: "currency", currency: currency
      }).format(amount / 100);
    } catch (e) {
      return (amount / 100).toFixed(2) + " " + currency;
    }
  }

  function update() {
    if (!panel) { return; }
    var gross = 0, base = 0;
    rows().forEach(function (row) {
      var get = function (sub) {
        var input = row.querySelector("[name$='-" + sub + "']");
        return input ? input.value : "";
      };
      var quantity = number(get("quantity"));
      var unit = pence(get("unit_amount"));
      if (quantity === null || unit === null) { return; }
      var amount = Math.round(quantity * unit);
      gross += amount;
      var flag = get("commissionable");
      var commissionable = flag === "yes" || (flag === "" && !PASS_THROUGH[get("kind")]);
      if (commissionable) { base += amount; }
    });
    var terms = agencyTerms();
    var percent = number(value("commission_percent"));
    if (percent === null) { percent = terms ? parseFloat(terms.percent) : 0; }
    var commission = Math.round(base * percent / 100);
    var vatChoice = value("commission_vat");
    var vatAdded = vatChoice === "yes" || (vatChoice === "" && terms && terms.vat);
    var vat = vatAdded ? Math.round(commission * 0.2) : 0;
    var set = function (key, amount) {
      panel.querySelector("[data-total='" + key + "']").textContent = format(amount);
    };
    set("gross", gross);
    set("commission", commission);
    set("vat", vat);
    set("net", gross - commission - vat);
    panel.hidden = false;
  }

  if (button) { button.addEventListener("click", addLine); }
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
})();
