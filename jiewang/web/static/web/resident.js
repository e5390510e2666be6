/* Resident report form: a pin from the phone's position, the map, or a town and community picked
   from two selects (the pin goes inside the community; GPS or a tap refines it), and which grid
   it falls in. The jurisdiction's outline (its towns) is drawn at once, the grids from zoom 12.
   Leaflet (static vendor/leaflet) is optional: without it the coordinates are filled from the
   phone or the selects and confirmed by name. No external tiles: polygons on a plain background,
   a tile layer only when the server configures one (data-tile-url). */
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
      .then(function (d) {
        out.textContent = (d.text || "") + (out.dataset.near && d.status === "inside" ? " — " + out.dataset.near : "");
        out.dataset.status = d.status;
      })
      .catch(function () { out.textContent = ""; });
  }
  function later() { clearTimeout(timer); timer = setTimeout(locate, 400); }
  function place(x, y, move) {
    lon.value = x.toFixed(6); lat.value = y.toFixed(6);
    if (map) {
      if (!marker) { marker = window.L.marker([y, x], {draggable: true, keyboard: true, title: out.dataset.pin || ""}).addTo(map);
        marker.on("dragend", function () { var p = marker.getLatLng(); out.dataset.near = ""; place(p.lng, p.lat, false); }); }
      else marker.setLatLng([y, x]);
      if (move) map.setView([y, x], Math.max(map.getZoom(), 15));
    }
    locate();
  }
  lon.addEventListener("input", function () { out.dataset.near = ""; later(); }); lat.addEventListener("input", later);
  document.getElementById("use-location").addEventListener("click", function () {
    if (!navigator.geolocation) return;
    out.textContent = "…";
    navigator.geolocation.getCurrentPosition(function (p) {
      out.dataset.near = "";
      place(p.coords.longitude, p.coords.latitude, true);  // WGS84, as the phone gives it
    }, function (e) { out.textContent = e.message; }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000});
  });

  // ---- the town and community selects ----
  var townSel = document.getElementById("pick-town"), commSel = document.getElementById("pick-community");
  var mapEl = document.getElementById("map");
  var communities = {};
  function fitBox(b, maxZoom) {
    if (!map || !b || b.length !== 4 || !b.every(isFinite)) return;
    map.fitBounds([[b[1], b[0]], [b[3], b[2]]], {maxZoom: maxZoom || 16});
  }
  if (townSel && commSel) {
    document.getElementById("pick-place").hidden = false;
    document.getElementById("pick-help").hidden = false;
    townSel.addEventListener("change", function () {
      var opt = townSel.options[townSel.selectedIndex];
      commSel.textContent = "";
      commSel.disabled = true;
      communities = {};
      if (!townSel.value) return;
      fitBox((opt.dataset.bbox || "").split(",").map(parseFloat));
      fetch(form.dataset.communitiesUrl + "?town=" + encodeURIComponent(townSel.value), {credentials: "same-origin"})
        .then(function (r) { return r.json(); })
        .then(function (d) {
          var first = document.createElement("option");
          first.value = ""; first.textContent = mapEl.dataset.tChoose || "…";
          commSel.appendChild(first);
          (d.communities || []).forEach(function (c) {
            communities[String(c.id)] = c;
            var o = document.createElement("option");
            o.value = String(c.id); o.textContent = c.name;
            commSel.appendChild(o);
          });
          commSel.disabled = false;
        }).catch(function () {});
    });
    commSel.addEventListener("change", function () {
      var c = communities[commSel.value];
      if (!c || !c.point) return;
      fitBox(c.bbox, 16);
      out.dataset.near = (mapEl.dataset.tNear || "").replace("{name}", c.name);
      place(c.point[0], c.point[1], false);
    });
  }

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
    // The jurisdiction's outline at once (towns), under the grids drawn from zoom 12.
    var outline = window.L.geoJSON(null, {style: {color: "#5b6675", weight: 1.5, fillColor: "#dbe4ee", fillOpacity: 0.35},
      interactive: false}).addTo(map);
    outline.bringToBack();
    fetch(form.dataset.outlineUrl, {credentials: "same-origin"}).then(function (r) { return r.json(); })
      .then(function (fc) { outline.addData(fc); outline.bringToBack(); }).catch(function () {});
    map.on("moveend", loadGrids);
    map.on("click", function (ev) { out.dataset.near = ""; place(ev.latlng.lng, ev.latlng.lat, false); });
    loadGrids();
    var x = parseFloat(lon.value), y = parseFloat(lat.value);
    if (isFinite(x) && isFinite(y)) place(x, y, true);
  }
})();
