/* The command center's alarm watch: every 30 s, ask for the open alarms; when one is not on the
   page yet, say so in an assertive live region with a link to reload (no silent reload: a form
   being filled in would be lost). */
(function () {
  "use strict";
  var box = document.querySelector("[data-duty-watch]");
  if (!box || !window.fetch) return;
  var known = (box.getAttribute("data-known") || "").split(",").filter(Boolean);
  function check() {
    fetch(box.getAttribute("data-duty-watch"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (rows) {
        var fresh = rows.some(function (a) { return known.indexOf(String(a.id)) < 0; });
        if (!fresh || box.childElementCount) return;
        var p = document.createElement("p");
        p.className = "msg error";
        p.textContent = box.getAttribute("data-t-new") + " ";
        var a = document.createElement("a");
        a.href = window.location.href;
        a.textContent = box.getAttribute("data-t-reload");
        p.appendChild(a);
        box.appendChild(p);
      })
      .catch(function () { /* offline for a moment: try again next time */ });
  }
  setInterval(check, 30000);
})();
