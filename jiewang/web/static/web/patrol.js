/* The patrol screen (巡查): starts a patrol, records the phone's track and sends everything
   through the outbox — with or without signal.

   - Start: the start form is queued as an outbox item (POST /api/patrols {grid_id, client_id,
     started_at}, {ref: true}); the server returns the same patrol for the same client_id, so a
     start sent twice is one patrol. Until its answer is in, the patrol is "local": the track,
     check-ins and end are queued with {after: <start's key>} and urls holding "{id}", which the
     outbox fills in once the start has been stored (see offline-queue.js). The local patrol is
     remembered in localStorage ("jw-patrol") so that the screen (kept by the service worker)
     shows it again without signal.
   - navigator.geolocation.watchPosition feeds fixes into a buffer (a fix closer than 3 m and 5 s
     to the last one is skipped); the buffer is cut into a batch {batch_id: a new UUID, points:
     [{t, lon, lat, acc}]} every `batch_points` fixes or `batch_seconds` seconds, when the
     connection returns, before ending and when the page is hidden; the server stores a batch_id
     once, so a batch sent twice (an answer lost without signal) is stored once;
   - check-ins (打卡: the last fix, a building of the patrol's grid, a note, a photo) and the end of
     the patrol go through the same outbox, in order;
   - the map shows the grid and the track so far (Leaflet, when loaded). */
(function () {
  "use strict";
  var Q = window.JWQueue;
  var cfgEl = document.getElementById("patrol-config");
  if (!Q || !cfgEl) return;
  var cfg = JSON.parse(cfgEl.textContent);
  var TPL = {points: cfg.points_url, checkin: cfg.checkin_url, end: cfg.end_url};
  function json(id, dflt) {
    try { var v = JSON.parse(document.getElementById(id).textContent); return v == null ? dflt : v; } catch (e) { return dflt; }
  }
  var S = json("patrol-strings", {});
  var outlines = json("patrol-outlines", {}), gridNames = json("patrol-grids", {});
  var buildings = json("patrol-buildings", []);
  function $(id) { return document.getElementById(id); }
  var LOCAL = "jw-patrol", BUILDINGS = "jw-patrol-buildings";
  var buffer = [], last = null, lastCut = Date.now(), sentCount = parseInt($("track-count").textContent, 10) || 0;
  var map = null, line = null, here = null, recording = false, local = null;

  /* ---- the patrol started on this phone (until the server has it) ---- */
  function readLocal() { try { return JSON.parse(window.localStorage.getItem(LOCAL) || "null"); } catch (e) { return null; } }
  function saveLocal() { try { window.localStorage.setItem(LOCAL, JSON.stringify(local)); } catch (e) { /* private mode */ } }
  function clearLocal() { local = null; try { window.localStorage.removeItem(LOCAL); } catch (e) { /* none */ } }
  function setId(id) {  // the server stored the start: write to the patrol itself from now on
    if (cfg.patrol === id) return;
    cfg.patrol = id;
    cfg.points_url = TPL.points.replace("{id}", id);
    cfg.checkin_url = TPL.checkin.replace("{id}", id);
    cfg.end_url = TPL.end.replace("{id}", id);
    if (local) { local.id = id; saveLocal(); }
    $("patrol-queued").hidden = true;
  }
  function opts() { return cfg.patrol ? undefined : {after: local.key}; }
  function learnId() {  // the start may have been sent by another page or the service worker
    if (cfg.patrol || !local) return Promise.resolve();
    return Q.refOf(local.key).then(function (id) {
      if (id != null) { setId(id); return; }
      return Q.list().then(function (items) {
        var start = items.filter(function (it) { return it.key === local.key; })[0];
        $("patrol-queued").hidden = !start || !!start.error;
        $("patrol-refused").hidden = !(start && start.error);
        if (start && start.error) $("patrol-refused").textContent = (S.not_started || "") + " " + start.error;
        if (!start) {  // sent meanwhile, or discarded from the outbox (then: no patrol)
          return Q.refOf(local.key).then(function (again) {
            if (again != null) { setId(again); return; }
            clearLocal();
            window.location.reload();
          });
        }
      });
    });
  }

  function send() {
    return (window.JWGrid ? window.JWGrid.send() : Q.flush()).then(pending, pending);
  }
  function pending() {
    return learnId().then(function () { return Q.list(); }).then(function (items) {
      var n = 0;
      items.forEach(function (it) {
        if (it.kind === "post" && /\/points$/.test(it.url) && it.payload && it.payload.points) n += it.payload.points.length;
      });
      $("track-pending").textContent = String(n + buffer.length);
    });
  }
  document.addEventListener("jw:flushed", function () { pending(); });

  function cut() {
    lastCut = Date.now();
    if (!buffer.length || !recording) return Promise.resolve(null);
    var points = buffer; buffer = [];
    var id = Q.uuid();
    return Q.addPost(id, cfg.points_url, {batch_id: id, points: points}, (S.batch || "Track") + " (" + points.length + ")",
                     null, false, opts())
      .then(function () { sentCount += points.length; $("track-count").textContent = String(sentCount); return id; });
  }
  function cutAndSend() {
    return cut().then(function () { return navigator.onLine ? send() : pending(); });
  }

  function status(text) { $("gps-status").textContent = text; }

  function onFix(p) {
    var fix = {t: Math.round(p.timestamp || Date.now()), lon: +p.coords.longitude.toFixed(7),
               lat: +p.coords.latitude.toFixed(7), acc: p.coords.accuracy != null ? Math.min(p.coords.accuracy, 10000) : null};
    if (last && Math.abs(last.lon - fix.lon) < 3e-5 && Math.abs(last.lat - fix.lat) < 3e-5 && fix.t - last.t < 5000) return;
    last = fix;
    buffer.push(fix);
    status(navigator.onLine ? S.gps_on : S.offline);
    draw(fix);
    if (buffer.length >= cfg.batch_points) cutAndSend();
    else pending();
  }

  /* ---- the buildings of the patrol's grid (the list kept for use without signal) ---- */
  function fillBuildings() {
    var sel = $("checkin-building"), keep = sel.value;
    while (sel.options.length > 1) sel.remove(1);
    var rows = buildings.filter(function (b) { return b.grid_id === cfg.grid; });
    if (last) {  // the nearest first
      rows = rows.slice().sort(function (a, b) {
        function d(r) { return r.lon == null ? 1e9 : Math.pow(r.lon - last.lon, 2) + Math.pow(r.lat - last.lat, 2); }
        return d(a) - d(b);
      });
    }
    rows.forEach(function (b) {
      var o = document.createElement("option"); o.value = String(b.id); o.textContent = b.name; sel.appendChild(o);
    });
    sel.value = keep;
    sel.parentNode.querySelector('label[for="checkin-building"]').hidden = sel.hidden = !rows.length;
  }
  function loadBuildings() {
    try {
      var kept = JSON.parse(window.localStorage.getItem(BUILDINGS) || "null");
      if (kept && kept.at > (cfg.rendered_at || 0)) buildings = kept.rows;
    } catch (e) { /* none */ }
    fillBuildings();
    if (!navigator.onLine) return;
    fetch(cfg.buildings_url, {credentials: "same-origin", headers: {"Accept": "application/json"}}).then(function (r) {
      return r.ok ? r.json() : null;
    }).then(function (rows) {
      if (!Array.isArray(rows)) return;
      buildings = rows;
      try { window.localStorage.setItem(BUILDINGS, JSON.stringify({at: Date.now(), rows: rows})); } catch (e) { /* full */ }
      fillBuildings();
    }).catch(function () { /* no signal after all */ });
  }
  $("checkin-building").addEventListener("focus", fillBuildings);

  /* ---- recording ---- */
  function begin() {
    if (recording) return;
    recording = true;
    $("patrol").hidden = false;
    ["start-form", "recent-patrols"].forEach(function (id) { if ($(id)) $(id).hidden = true; });
    if (local && !cfg.patrol) {
      $("h-patrol").textContent = $("h-patrol").dataset.template.replace("{grid}", local.name || "");
      var d = new Date(local.started);
      function two(n) { return (n < 10 ? "0" : "") + n; }
      $("patrol-started").textContent = two(d.getMonth() + 1) + "-" + two(d.getDate()) + " " + two(d.getHours()) + ":" + two(d.getMinutes());
      $("patrol-queued").hidden = navigator.onLine;  // with signal it is sent at once
    }
    loadBuildings();
    if (navigator.geolocation) {
      navigator.geolocation.watchPosition(onFix, function () { status(S.gps_off); },
                                          {enableHighAccuracy: true, maximumAge: 0, timeout: 30000});
    } else {
      status(S.gps_off);
    }
    setInterval(function () { if (Date.now() - lastCut >= cfg.batch_seconds * 1000) cutAndSend(); }, 1000);
    window.addEventListener("online", function () { cutAndSend().then(send); });
    window.addEventListener("offline", function () { status(S.offline); });
    document.addEventListener("visibilitychange", function () { if (document.hidden) cut(); });
    window.addEventListener("pagehide", function () { cut(); });
    if (document.readyState === "complete") ensureMap(); else window.addEventListener("load", ensureMap);
    pending();
  }

  /* the map: the grid's outline and the track */
  function ensureMap() {
    if (map || !window.L || !$("patrol-map") || $("patrol").hidden) return;
    map = window.L.map($("patrol-map"), {attributionControl: false, zoomSnap: 0.25});
    var o = outlines[String(cfg.grid)];
    if (o) {
      var layer = window.L.geoJSON(o, {style: {color: "#2a5d8a", weight: 2, fillColor: "#cfe3f3", fillOpacity: 0.3}}).addTo(map);
      if (layer.getBounds().isValid()) map.fitBounds(layer.getBounds(), {padding: [10, 10]});
    }
    var pts = json("patrol-track", []).map(function (r) { return [r[2], r[1]]; });
    line = window.L.polyline(pts, {color: "#b3261e", weight: 3}).addTo(map);
    if (!o && pts.length) map.fitBounds(line.getBounds());
    else if (!o && last) map.setView([last.lat, last.lon], 16);
  }
  function draw(fix) {
    ensureMap();
    if (!map) return;
    line.addLatLng([fix.lat, fix.lon]);
    if (!here) here = window.L.circleMarker([fix.lat, fix.lon], {radius: 6, color: "#b3261e"}).addTo(map);
    else here.setLatLng([fix.lat, fix.lon]);
  }

  /* ---- start: through the outbox, so that it works without signal ---- */
  var startForm = $("start-form");
  if (startForm) {
    startForm.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var gid = parseInt($("grid").value, 10);
      if (!gid) return;
      var key = Q.uuid(), now = new Date();
      $("start").disabled = true;
      local = {key: key, grid: gid, name: gridNames[String(gid)] || "", started: now.getTime(), id: null};
      cfg.grid = gid;
      Q.addPost(key, cfg.start_url, {grid_id: gid, client_id: key, started_at: now.toISOString()}, S.start || "Start",
                null, false, {ref: true}).then(function () {
        saveLocal();
        begin();
        return navigator.onLine ? send() : pending();
      });
    });
  }

  /* check-in: the last fix, the building, the note, the photo — through the outbox */
  $("checkin-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var fix = last;
    if (!fix) { $("checkin-status").textContent = S.gps_off; return; }
    var id = Q.uuid(), photo = $("checkin-photo").files && $("checkin-photo").files[0] || null;
    var sel = $("checkin-building"), bname = sel.value ? sel.options[sel.selectedIndex].textContent : "";
    var body = {client_id: id, at: new Date(fix.t).toISOString(), lon: fix.lon, lat: fix.lat, note: $("checkin-note").value};
    if (sel.value) body.building_id = sel.value;
    cut().then(function () {
      return Q.addPost(id, cfg.checkin_url, body, (S.checkin || "Check-in") + (bname ? " " + bname : ""), photo, true, opts());
    }).then(function () {
      $("checkin-status").textContent = S.checked_in + (navigator.onLine ? "" : " " + S.offline);
      var li = document.createElement("li"); li.className = "task";
      li.textContent = new Date(fix.t).toLocaleTimeString() + " " + (bname ? bname + " " : "") + body.note;
      $("checkins").appendChild(li);
      $("checkin-form").reset();
      return navigator.onLine ? send() : null;
    });
  });

  /* end: the last points, then the end, in order, through the outbox */
  $("end-patrol").addEventListener("click", function () {
    if (!window.confirm(S.confirm_end || "End?")) return;
    $("end-patrol").disabled = true;
    cut().then(function () {
      var id = Q.uuid();
      return Q.addPost(id, cfg.end_url, {at: new Date().toISOString()}, S.end || "End", null, false, opts());
    }).then(function () {
      clearLocal();
      return navigator.onLine ? send() : null;
    }).then(function () { window.location.href = cfg.done_url; });
  });

  window.JWPatrol = {cut: cut, send: cutAndSend, buffered: function () { return buffer.length; },
                     state: function () { return {patrol: cfg.patrol, local: local, recording: recording}; }};

  /* ---- which patrol this screen shows ---- */
  local = readLocal();
  if (cfg.patrol) {  // the server has a patrol under way
    if (local && (local.key === cfg.client_id || local.id === cfg.patrol)) clearLocal();
    begin();
  } else if (local && (local.id == null || local.started > (cfg.rendered_at || 0))) {
    // started on this phone: not on the server yet, or this screen is older than the patrol
    // (the copy the service worker kept)
    cfg.grid = local.grid;
    if (local.id != null) setId(local.id);
    begin();
    learnId();
  } else {
    if (local) clearLocal();  // the server knows it and it is no longer under way (ended)
    pending();
  }
})();
