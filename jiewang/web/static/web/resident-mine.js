/* "我的反映": the tracking links this device remembers (localStorage "jw-my-reports").
   The receipt page adds one (an element #remember-report with data-number and data-url); the
   "my reports" page lists them (#device-reports). Nothing of it is sent to the server. */
(function () {
  "use strict";
  var KEY = "jw-my-reports", MAX = 50;

  function load() {
    try { var v = JSON.parse(window.localStorage.getItem(KEY) || "[]"); return Array.isArray(v) ? v : []; }
    catch (e) { return []; }
  }
  function save(list) {
    try { window.localStorage.setItem(KEY, JSON.stringify(list.slice(0, MAX))); } catch (e) { /* private mode */ }
  }

  var remember = document.getElementById("remember-report");
  if (remember && remember.dataset.number && remember.dataset.url) {
    var list = load().filter(function (r) { return r.number !== remember.dataset.number; });
    list.unshift({number: remember.dataset.number, url: remember.dataset.url, title: remember.dataset.title || "",
                  at: new Date().toISOString()});
    save(list);
  }

  var ul = document.getElementById("device-reports");
  if (!ul) return;
  function render() {
    var items = load();
    ul.textContent = "";
    if (!items.length) {
      var li = document.createElement("li"); li.className = "empty"; li.textContent = ul.dataset.tEmpty || "";
      ul.appendChild(li); return;
    }
    items.forEach(function (r) {
      // Only our own tracking links (same origin, /report/track/…) are shown as links.
      var url;
      try { url = new URL(r.url, window.location.href); } catch (e) { return; }
      if (url.origin !== window.location.origin || url.pathname.indexOf("/report/track/") !== 0) return;
      var li = document.createElement("li"); li.className = "task";
      var h = document.createElement("h3"), a = document.createElement("a");
      a.href = url.href;
      var num = document.createElement("span"); num.className = "number"; num.textContent = r.number;
      a.appendChild(num);
      if (r.title) a.appendChild(document.createTextNode(" " + r.title));
      h.appendChild(a); li.appendChild(h);
      var meta = document.createElement("p"); meta.className = "meta";
      if (r.at) meta.textContent = new Date(r.at).toLocaleString() + " ";
      var drop = document.createElement("button");
      drop.type = "button"; drop.className = "secondary"; drop.textContent = ul.dataset.tForget || "Forget";
      drop.addEventListener("click", function () {
        save(load().filter(function (x) { return x.number !== r.number; })); render();
      });
      meta.appendChild(drop); li.appendChild(meta);
      ul.appendChild(li);
    });
  }
  render();
})();
