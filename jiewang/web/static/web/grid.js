/* The grid worker's pages: the outbox badge, the service worker, and the three-screen report
   (category → photo and description → location → submit through the outbox). */
(function () {
  "use strict";
  var Q = window.JWQueue;
  var S = {};
  try { S = JSON.parse(document.getElementById("jw-strings").textContent); } catch (e) { /* no strings */ }
  function t(k, vars) {
    var s = S[k] || k;
    Object.keys(vars || {}).forEach(function (v) { s = s.replace("{" + v + "}", vars[v]); });
    return s;
  }
  function $(sel, root) { return (root || document).querySelector(sel); }
  function $$(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  /* ---- the service worker (scope: the site) ---- */
  var swReady = null;
  if ("serviceWorker" in navigator) {
    swReady = navigator.serviceWorker.register("/sw.js", {scope: "/"}).then(function () {
      return navigator.serviceWorker.ready;
    }).catch(function () { return null; });
    navigator.serviceWorker.addEventListener("message", function (ev) {
      if (ev.data && ev.data.type === "outbox") refresh();
    });
  }
  // Signing out: drop the cached pages of this user (the outbox stays: it is the worker's work).
  $$('form[action$="/logout/"]').forEach(function (f) {
    f.addEventListener("submit", function () {
      if (navigator.serviceWorker && navigator.serviceWorker.controller) {
        navigator.serviceWorker.controller.postMessage({type: "forget-pages"});
      }
    });
  });

  /* ---- the outbox badge and list ---- */
  var lastStop = "";
  function refresh() {
    if (!Q) return Promise.resolve();
    return Q.list().then(function (items) {
      $$("#queue-badge").forEach(function (b) {
        b.hidden = items.length === 0;
        b.textContent = items.length ? t("queued", {n: items.length}) : "";
      });
      var box = $("#outbox"), ul = $("#outbox-list");
      if (!box || !ul) return;
      box.hidden = items.length === 0;
      ul.textContent = "";
      items.forEach(function (it) {
        var li = document.createElement("li");
        var title = document.createElement("strong");
        title.textContent = it.label || it.payload.title;
        li.appendChild(title);
        li.appendChild(document.createTextNode(" " + new Date(it.created).toLocaleString()));
        if (it.error) {
          var err = document.createElement("p");
          err.className = "error";
          err.textContent = t("refused") + " " + it.error;
          li.appendChild(err);
          var again = document.createElement("button");
          again.type = "button"; again.className = "secondary"; again.textContent = t("retry");
          again.addEventListener("click", function () { Q.retry(it.key).then(send); });
          var drop = document.createElement("button");
          drop.type = "button"; drop.className = "secondary"; drop.textContent = t("discard");
          drop.addEventListener("click", function () { Q.remove(it.key).then(refresh); });
          li.appendChild(again); li.appendChild(drop);
        }
        ul.appendChild(li);
      });
      if (lastStop === "auth") {
        var p = document.createElement("li"); p.className = "error"; p.textContent = t("signin"); ul.appendChild(p);
      }
    });
  }

  function send() {
    if (!Q) return Promise.resolve(null);
    return Q.flush().then(function (r) {
      lastStop = r.stopped;
      return refresh().then(function () {
        document.dispatchEvent(new CustomEvent("jw:flushed", {detail: r}));
        return r;
      });
    }, function () { return refresh().then(function () { return null; }); });
  }
  window.JWGrid = {send: send, refresh: refresh};

  function askForSync() {
    if (!swReady) return;
    swReady.then(function (reg) {
      if (reg && reg.sync) return reg.sync.register(Q.SYNC_TAG).catch(function () {});
    });
  }

  window.addEventListener("online", function () { send(); });
  var sendBtn = $("#outbox-send");
  if (sendBtn) sendBtn.addEventListener("click", function () { send(); });
  refresh().then(function () { if (navigator.onLine) send(); });

  /* ---- the report in three screens ---- */
  var form = $("#report-form");
  if (!form || !Q) return;
  var state = {key: Q.uuid(), category: null};
  var status = $("#form-status");

  function show(n) {
    $$("[data-screen]", form).forEach(function (s) { s.hidden = s.dataset.screen !== String(n); });
    $$(".steps li", form).forEach(function (li) {
      if (li.dataset.step === String(n)) li.setAttribute("aria-current", "step"); else li.removeAttribute("aria-current");
    });
    status.textContent = "";
    var h = $('[data-screen="' + n + '"] h2', form);
    if (h) { h.setAttribute("tabindex", "-1"); h.focus(); }
    if (n === 3) { gridMap(); if (!$("#lon").value) locateMe(); }
  }

  // screen 1: category
  $$(".cat", form).forEach(function (b) {
    b.addEventListener("click", function () {
      $$(".cat", form).forEach(function (o) {
        o.setAttribute("aria-pressed", o.dataset.code === b.dataset.code ? "true" : "false");
      });
      state.category = b.dataset.code;
      $("#chosen-category").textContent = b.dataset.name;
      var title = $("#title");
      if (!title.value || title.dataset.auto === "1") { title.value = b.dataset.name; title.dataset.auto = "1"; }
      show(2);
    });
  });
  $("#title").addEventListener("input", function () { this.dataset.auto = "0"; });
  // The search filters the whole catalog by any part of a name (or keyword, or code): the
  // recent and frequent ones step aside, every board with a match unfolds.
  function filterCategories(q) {
    q = (q || "").trim().toLowerCase();
    var quick = $("#cat-quick"), total = 0;
    if (quick) quick.hidden = !!q;
    $$("#cat-all .board-group", form).forEach(function (g) {
      var any = 0;
      $$(".cat", g).forEach(function (b) {
        var hit = !q || (b.dataset.name + " " + b.dataset.keywords + " " + b.dataset.code).toLowerCase().indexOf(q) !== -1;
        b.hidden = !hit; if (hit) any += 1;
      });
      g.hidden = !any;
      if (g.tagName === "DETAILS") g.open = !!q && any > 0;
      total += any;
    });
    $("#cat-none").hidden = total > 0;
  }
  $("#cat-search").addEventListener("input", function () { filterCategories(this.value); });

  // screen 2: photo
  var photoInput = $("#photo"), preview = $("#photo-preview");
  photoInput.addEventListener("change", function () {
    var f = photoInput.files && photoInput.files[0];
    if (f && window.URL) { preview.src = URL.createObjectURL(f); preview.hidden = false; } else { preview.hidden = true; }
  });
  $$("[data-go]", form).forEach(function (b) {
    b.addEventListener("click", function () {
      var to = Number(b.dataset.go);
      if (to >= 2 && !state.category) { status.textContent = t("pick_category"); return; }
      if (to === 3 && !$("#title").value.trim()) { status.textContent = t("need_title"); $("#title").focus(); return; }
      show(to);
    });
  });

  // screen 3: location (WGS84 from the phone; GCJ-02 matters only for Chinese map SDKs)
  var where = $("#where");

  // The map of the worker's own grid (its outline only: no tiles, none are reachable on closed
  // networks) with a pin to tap or drag. An enhancement: without Leaflet (not cached, offline)
  // the longitude/latitude boxes stay the way in, and the form submits the same.
  var map = null, pin = null;
  function pinAt(lat, lon) {
    if (!map) return;
    if (!pin) {
      pin = window.L.marker([lat, lon], {draggable: true, keyboard: true, title: t("pin"),
        icon: window.L.divIcon({className: "gw-pin", iconSize: [22, 22], iconAnchor: [11, 11]})}).addTo(map);
      pin.on("dragend", function () { var p = pin.getLatLng(); fillPoint(p.lat, p.lng); });
    } else {
      pin.setLatLng([lat, lon]);
    }
  }
  function fillPoint(lat, lon) {
    $("#lon").value = lon.toFixed(6);
    $("#lat").value = lat.toFixed(6);
    confirmPlace();
  }
  function gridMap() {
    var el = $("#grid-map"), data = $("#grid-outline");
    if (map || !el || !data || !window.L) return;
    var outline;
    try { outline = JSON.parse(data.textContent); } catch (e) { return; }
    el.hidden = false;
    $("#grid-map-help").hidden = false;
    map = window.L.map(el, {attributionControl: false, zoomSnap: 0.25});
    var layer = window.L.geoJSON(outline, {style: {color: "#2a5d8a", weight: 2, fillColor: "#cfe3f3", fillOpacity: 0.3},
      onEachFeature: function (f, l) { if (f.properties && f.properties.name) l.bindTooltip(f.properties.name); }}).addTo(map);
    if (layer.getBounds().isValid()) map.fitBounds(layer.getBounds(), {padding: [10, 10]});
    map.on("click", function (ev) { pinAt(ev.latlng.lat, ev.latlng.lng); fillPoint(ev.latlng.lat, ev.latlng.lng); });
    var lon = parseFloat($("#lon").value), lat = parseFloat($("#lat").value);
    if (isFinite(lon) && isFinite(lat)) pinAt(lat, lon);
  }
  function locateMe() {
    if (!navigator.geolocation) { where.textContent = t("no_gps"); return; }
    where.textContent = t("locating");
    navigator.geolocation.getCurrentPosition(function (p) {
      $("#lon").value = p.coords.longitude.toFixed(6);
      $("#lat").value = p.coords.latitude.toFixed(6);
      pinAt(p.coords.latitude, p.coords.longitude);
      if (map) map.panTo([p.coords.latitude, p.coords.longitude]);
      confirmPlace();
    }, function () { where.textContent = t("no_gps"); }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 30000});
  }
  var confirmTimer = null;
  function confirmPlace() {
    var lon = parseFloat($("#lon").value), lat = parseFloat($("#lat").value);
    if (!isFinite(lon) || !isFinite(lat)) { where.textContent = ""; return; }
    if (!navigator.onLine) { where.textContent = t("offline_locate"); return; }
    Q.csrfToken().then(function (token) {
      return fetch(form.dataset.locateUrl, {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRFToken": token},
        body: JSON.stringify({lon: lon, lat: lat, crs: "wgs84"}),
      });
    }).then(function (r) { return r.json(); }).then(function (d) {
      if (d.status === "outside") { where.textContent = t("outside"); return; }
      if (!d.in_scope || !d.area) { where.textContent = t("not_yours"); return; }
      var names = (d.ancestors || []).filter(function (a) { return a.level >= 3; }).map(function (a) { return a.name; });
      names.push(d.area.name);
      where.textContent = (d.status === "nearest" ? t("nearest", {m: Math.round(d.distance_m)}) : t("in_grid")) + " " + names.join(" › ");
    }).catch(function () { where.textContent = t("offline_locate"); });
  }
  $("#relocate").addEventListener("click", locateMe);
  ["#lon", "#lat"].forEach(function (s) {
    $(s).addEventListener("input", function () {
      var lon = parseFloat($("#lon").value), lat = parseFloat($("#lat").value);
      if (isFinite(lon) && isFinite(lat)) pinAt(lat, lon);
      clearTimeout(confirmTimer); confirmTimer = setTimeout(confirmPlace, 500);
    });
  });

  // submit: into the outbox first, then try to send
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var lon = parseFloat($("#lon").value), lat = parseFloat($("#lat").value);
    if (!state.category) { show(1); status.textContent = t("pick_category"); return; }
    if (!$("#title").value.trim()) { show(2); status.textContent = t("need_title"); return; }
    if (!isFinite(lon) || !isFinite(lat)) { status.textContent = t("need_location"); $("#lon").focus(); return; }
    var payload = {
      category: state.category, lon: lon, lat: lat, crs: "wgs84", title: $("#title").value.trim(),
      description: $("#description").value, address: $("#address").value, urgency: $("#urgency").value,
      channel: "patrol", source: "proactive",
    };
    var photo = photoInput.files && photoInput.files[0] || null;
    var key = state.key;
    $("#submit-report").disabled = true;
    status.textContent = t("sending");
    Q.add(key, payload, photo, form.dataset.submitUrl || "").then(function () {
      askForSync();
      return refresh();
    }).then(function () {
      return navigator.onLine ? send() : null;
    }).then(function (r) {
      var sent = r && r.sent.filter(function (s) { return s.key === key; })[0];
      form.hidden = true;
      $("#done").hidden = false;
      var text = $("#done-text");
      text.textContent = "";
      if (sent) {
        text.appendChild(document.createTextNode(t("sent") + " "));
        var a = document.createElement("a");
        a.href = form.dataset.eventUrl + encodeURIComponent(sent.number) + "/";
        a.textContent = sent.number;
        a.id = "sent-number";
        text.appendChild(a);
      } else {
        text.textContent = t("saved_offline");
      }
      $("#report-another").focus();
    }).catch(function (e) {
      status.textContent = String(e);
    }).then(function () { $("#submit-report").disabled = false; });
  });

  $("#report-another").addEventListener("click", function () {
    form.reset();
    state = {key: Q.uuid(), category: null};  // a new report, a new idempotency key
    $$(".cat", form).forEach(function (o) { o.setAttribute("aria-pressed", "false"); });
    filterCategories("");
    if (pin) { pin.remove(); pin = null; }
    preview.hidden = true; where.textContent = "";
    $("#title").dataset.auto = "1";
    $("#done").hidden = true; form.hidden = false;
    show(1);
  });
})();
