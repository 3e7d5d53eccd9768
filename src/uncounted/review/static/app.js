// Keyboard shortcuts of the review app (no inline scripts: the CSP allows only this file).
// On a pair page: m / n / u press the decision buttons, j / k follow the next / previous links.
// On the queue: j / k move the selection, Enter opens it.
(function () {
  "use strict";
  function typing(el) {
    if (!el) { return false; }
    var tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
  }
  var busy = false;
  function queueRows() { return Array.prototype.slice.call(document.querySelectorAll("table.selectable tbody tr")); }
  function select(rows, i) {
    rows.forEach(function (r) { r.classList.remove("selected"); });
    if (rows[i]) { rows[i].classList.add("selected"); rows[i].scrollIntoView({block: "nearest"}); }
  }
  document.addEventListener("DOMContentLoaded", function () {
    var rows = queueRows();
    if (rows.length) { select(rows, 0); }
    rows.forEach(function (r) {
      r.addEventListener("click", function (ev) {
        if (ev.target.tagName !== "A" && r.dataset.href) { window.location.href = r.dataset.href; }
      });
    });
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) { return; }
    if (typing(document.activeElement)) {
      if (ev.key === "Escape") { document.activeElement.blur(); }
      return;
    }
    var key = ev.key;
    var rows = queueRows();
    if (rows.length) {
      var i = rows.findIndex(function (r) { return r.classList.contains("selected"); });
      if (key === "j") { select(rows, Math.min(i + 1, rows.length - 1)); ev.preventDefault(); return; }
      if (key === "k") { select(rows, Math.max(i - 1, 0)); ev.preventDefault(); return; }
      if (key === "Enter" && rows[i] && rows[i].dataset.href) { window.location.href = rows[i].dataset.href; return; }
    }
    var target = document.querySelector("[data-key='" + key + "']");
    if (!target || busy) { return; }
    ev.preventDefault();
    busy = true;
    if (target.tagName === "A") { window.location.href = target.getAttribute("href"); }
    else { target.click(); }
  });
})();
