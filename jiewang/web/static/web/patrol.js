/* The patrol screen (巡查): records the phone's track and sends it through the outbox.

   - navigator.geolocation.watchPosition feeds fixes into a buffer (a fix closer than 3 m and 5 s
     to the last one is skipped);
   - the buffer is cut into a batch {batch_id: a new UUID, points: [{t, lon, lat, acc}]} every
     `batch_points` fixes or `batch_seconds` seconds, when the connection returns, before ending
     and when the page is hidden; each batch is an outbox item (JWQueue.addPost) kept in IndexedDB
     until POST /api/patrols/{id}/points answers 201/200 — the server stores a batch_id once, so a
     batch sent twice (an answer lost without signal) is stored once;
   - check-ins (打卡) and the end of the patrol go through the same outbox, in order;
   - the map shows the grid and the track so far (Leaflet, when loaded). */
(function () {
  "use strict";
  var Q = window.JWQueue;
  var cfgEl = document.getElementById("patrol-config");
  if (!Q || !cfgEl) return;
  var cfg = JSON.parse(cfgEl.textContent);
  var S = {};
  try { S = JSON.parse(document.getElementById("patrol-strings").textContent); } catch (e) { /* none */ }
  function $(id) { return document.getElementById(id); }
  var buffer = [], last = null, lastCut = Date.now(), sentCount = parseInt($("track-count").textContent, 10) || 0;
  var map = null, line = null, here = null;

  function send() {
    return (window.JWGrid ? window.JWGrid.send() : Q.flush()).then(pending, pending);
  }
  function pending() {
    return Q.list().then(function (items) {
      var n = 0;
      items.forEach(function (it) { if (it.kind === "post" && it.url === cfg.points_url) n += it.payload.points.length; });
      $("track-pending").textContent = String(n + buffer.length);
    });
  }

  function cut() {
    lastCut = Date.now();
    if (!buffer.length) return Promise.resolve(null);
    var points = buffer; buffer = [];
    var id = Q.uuid();
    return Q.addPost(id, cfg.points_url, {batch_id: id, points: points}, (S.batch || "Track") + " (" + points.length + ")")
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

  /* the map: the grid's outline and the track */
  function ensureMap() {
    if (map || !window.L || !$("patrol-map")) return;
    map = window.L.map($("patrol-map"), {attributionControl: false, zoomSnap: 0.25});
    var o = $("patrol-outline");
    if (o) {
      var layer = window.L.geoJSON(JSON.parse(o.textContent), {style: {color: "#2a5d8a", weight: 2, fillColor: "#cfe3f3", fillOpacity: 0.3}}).addTo(map);
      if (layer.getBounds().isValid()) map.fitBounds(layer.getBounds(), {padding: [10, 10]});
    }
    var pts = [];
    try { pts = JSON.parse($("patrol-track").textContent).map(function (r) { return [r[2], r[1]]; }); } catch (e) { /* none */ }
    line = window.L.polyline(pts, {color: "#b3261e", weight: 3}).addTo(map);
    if (!o && pts.length) map.fitBounds(line.getBounds());
  }
  function draw(fix) {
    ensureMap();
    if (!map) return;
    line.addLatLng([fix.lat, fix.lon]);
    if (!here) here = window.L.circleMarker([fix.lat, fix.lon], {radius: 6, color: "#b3261e"}).addTo(map);
    else here.setLatLng([fix.lat, fix.lon]);
  }
  window.addEventListener("load", ensureMap);

  /* check-in: the last fix (or a fresh one), the note, the photo — through the outbox */
  $("checkin-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var fix = last;
    if (!fix) { $("checkin-status").textContent = S.gps_off; return; }
    var id = Q.uuid(), photo = $("checkin-photo").files && $("checkin-photo").files[0] || null;
    var body = {client_id: id, at: new Date(fix.t).toISOString(), lon: fix.lon, lat: fix.lat, note: $("checkin-note").value};
    cut().then(function () {
      return Q.addPost(id, cfg.checkin_url, body, S.checkin || "Check-in", photo, true);
    }).then(function () {
      $("checkin-status").textContent = S.checked_in + (navigator.onLine ? "" : " " + S.offline);
      var li = document.createElement("li"); li.className = "task";
      li.textContent = new Date(fix.t).toLocaleTimeString() + " " + body.note;
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
      return Q.addPost(id, cfg.end_url, {at: new Date().toISOString()}, S.end || "End");
    }).then(function () {
      return navigator.onLine ? send() : null;
    }).then(function () { window.location.href = cfg.done_url; });
  });

  window.JWPatrol = {cut: cut, send: cutAndSend, buffered: function () { return buffer.length; }};
  pending();
})();
