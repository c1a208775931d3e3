// logward report: sortable tables and the alert filter. Everything works without this
// script (the tables are complete in the page); it only adds controls.
(function () {
  "use strict";

  function sortKey(cell, numeric) {
    var v = cell.getAttribute("data-v");
    if (v === null) v = cell.textContent;
    if (numeric) {
      var n = parseFloat(String(v).replace(/,/g, ""));
      return isNaN(n) ? -Infinity : n;
    }
    return String(v).toLowerCase();
  }

  function sortTable(table, col, dir) {
    var body = table.tBodies[0];
    var th = table.tHead.rows[0].cells[col];
    var numeric = th.classList.contains("num");
    var rows = Array.prototype.slice.call(body.rows);
    // "(N more)" rows stay at the end whatever the order.
    var rest = rows.filter(function (r) { return r.classList.contains("rest"); });
    rows = rows.filter(function (r) { return !r.classList.contains("rest"); });
    var keyed = rows.map(function (r, i) { return { row: r, i: i, k: sortKey(r.cells[col], numeric) }; });
    keyed.sort(function (a, b) {
      var c = a.k < b.k ? -1 : a.k > b.k ? 1 : 0;
      return c !== 0 ? c * dir : a.i - b.i;
    });
    keyed.forEach(function (e) { body.appendChild(e.row); });
    rest.forEach(function (r) { body.appendChild(r); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir > 0 ? "ascending" : "descending");
  }

  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    if (!table.tHead || !table.tBodies.length) return;
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
      var button = document.createElement("button");
      button.type = "button";
      button.title = "Sort by " + th.textContent;
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      button.addEventListener("click", function () {
        var now = th.getAttribute("aria-sort");
        var first = th.classList.contains("num") ? -1 : 1;
        sortTable(table, col, now === "ascending" ? -1 : now === "descending" ? 1 : first);
      });
    });
  });

  function filterable(box) {
    var table = document.getElementById(box.getAttribute("data-table"));
    if (!table || !table.tBodies.length) return;
    var id = table.id;
    var rows = Array.prototype.slice.call(table.tBodies[0].rows).filter(function (r) {
      return !r.classList.contains("rest");
    });
    var text = rows.map(function (r) { return r.textContent.toLowerCase(); });
    var noun = box.getAttribute("data-noun") || "rows";

    var label = document.createElement("label");
    label.textContent = "Filter ";
    var input = document.createElement("input");
    input.type = "search";
    input.id = id + "-filter";
    input.placeholder = box.getAttribute("data-placeholder") || "words to match";
    label.appendChild(input);
    box.appendChild(label);

    var levels = [];
    rows.forEach(function (r) {
      var l = r.getAttribute("data-level");
      if (l && levels.indexOf(l) < 0) levels.push(l);
    });
    var select = null;
    if (levels.length) {
      var order = ["critical", "high", "medium", "low", "informational"];
      levels.sort(function (a, b) { return order.indexOf(a) - order.indexOf(b); });
      var sl = document.createElement("label");
      sl.textContent = "Level ";
      select = document.createElement("select");
      select.id = id + "-level";
      [""].concat(levels).forEach(function (l) {
        var o = document.createElement("option");
        o.value = l;
        o.textContent = l || "all";
        select.appendChild(o);
      });
      sl.appendChild(select);
      box.appendChild(sl);
    }
    var count = document.createElement("span");
    count.id = id + "-count";
    count.className = "note";
    count.setAttribute("aria-live", "polite");
    box.appendChild(count);

    function apply() {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var level = select ? select.value : "";
      var shown = 0;
      rows.forEach(function (r, i) {
        var ok = words.every(function (w) { return text[i].indexOf(w) >= 0; }) &&
          (!level || r.getAttribute("data-level") === level);
        r.hidden = !ok;
        if (ok) shown++;
      });
      count.textContent = shown === rows.length ? rows.length + " " + noun : shown + " of " + rows.length + " " + noun;
    }
    input.addEventListener("input", apply);
    if (select) select.addEventListener("change", apply);
    apply();

    // Links elsewhere in the page that show the table filtered (a rule in the findings).
    Array.prototype.forEach.call(document.querySelectorAll('a[data-filter="' + id + '"]'), function (a) {
      a.addEventListener("click", function () {
        input.value = a.getAttribute("data-q") || "";
        if (select) select.value = "";
        apply();
      });
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll(".controls[data-table]"), filterable);
})();
