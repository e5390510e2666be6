/* Resident report form: a pin from the phone's position or the map, and which grid it falls in.
   Leaflet (static vendor/leaflet) is optional: without it the coordinates are filled from the
   phone and confirmed by name. No external tiles: grid polygons on a plain background, a tile
   layer only when the server configures one (data-tile-url). */
(function () {
  "use strict";
  var form = document.getElementById("resident-form");
  if (!form) return;
  var lon = form.querySelector("#lon"), lat = form.querySelector("#lat"), out = form.querySelector("#located");
  var locateUrl = form.dataset.locateUrl, boundariesUrl = form.dataset.boundariesUrl;
  var map = null, marker = null, layer = null, timer = null;

  function locate() {
    var x = parseFloat(lon.value), y = parseFloat(lat.value);
    if (!isFinite(x) || !isFinite(y)) { out.textContent = ""; return; }
    fetch(locateUrl + "?lon=" + encodeURIComponent(x) + "&lat=" + encodeURIComponent(y), {credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (d) { out.textContent = d.text || ""; out.dataset.status = d.status; })
      .catch(function () { out.textContent = ""; });
  }
  function later() { clearTimeout(timer); timer = setTimeout(locate, 400); }
  function place(x, y, move) {
    lon.value = x.toFixed(6); lat.value = y.toFixed(6);
    if (map) {
      if (!marker) { marker = window.L.marker([y, x], {draggable: true, keyboard: true, title: out.dataset.pin || ""}).addTo(map);
        marker.on("dragend", function () { var p = marker.getLatLng(); place(p.lng, p.lat, false); }); }
      else marker.setLatLng([y, x]);
      if (move) map.setView([y, x], Math.max(map.getZoom(), 15));
    }
    locate();
  }
  lon.addEventListener("input", later); lat.addEventListener("input", later);
  document.getElementById("use-location").addEventListener("click", function () {
    if (!navigator.geolocation) return;
    out.textContent = "…";
    navigator.geolocation.getCurrentPosition(function (p) {
      place(p.coords.longitude, p.coords.latitude, true);  // WGS84, as the phone gives it
    }, function (e) { out.textContent = e.message; }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000});
  });

  function loadGrids() {
    if (!map || map.getZoom() < 12) { if (layer) layer.clearLayers(); return; }
    var b = map.getBounds();
    var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(5); }).join(",");
    fetch(boundariesUrl + "?bbox=" + bbox).then(function (r) { return r.json(); }).then(function (fc) {
      layer.clearLayers(); layer.addData(fc);
    }).catch(function () {});
  }
  if (window.L) {
    var el = document.getElementById("map");
    el.hidden = false;
    map = window.L.map(el, {attributionControl: false});
    if (form.dataset.tileUrl) window.L.tileLayer(form.dataset.tileUrl, {maxZoom: 19}).addTo(map);
    layer = window.L.geoJSON(null, {style: {color: "#2a5d8a", weight: 1, fillOpacity: 0.08},
      onEachFeature: function (f, l) { l.bindTooltip(f.properties.name); }}).addTo(map);
    var e = (form.dataset.extent || "").split(",").map(parseFloat);
    if (e.length === 4 && e.every(isFinite)) map.fitBounds([[e[1], e[0]], [e[3], e[2]]]);
    else map.setView([29.56, 106.55], 11);
    map.on("moveend", loadGrids);
    map.on("click", function (ev) { place(ev.latlng.lng, ev.latlng.lat, false); });
    loadGrids();
    var x = parseFloat(lon.value), y = parseFloat(lat.value);
    if (isFinite(x) && isFinite(y)) place(x, y, true);
  }
})();
