/* Small Leaflet helpers shared by the pages (docs/web.md "Maps").
 *
 *   JW.map(elementOrId, {tiles: url|"" , attribution: ""}) -> L.Map
 *       A map on a plain background; a tile layer only when a tile URL is given
 *       (settings.MAP_TILE_URL; closed networks usually have none).
 *   JW.addGeoJSON(map, geojson, {fit: true, style: {...}, label: fn(feature)}) -> L.GeoJSON
 *   JW.addPoint(map, [lat, lon], {label: "…"}) -> L.CircleMarker
 *   JW.loadArea(map, areaId, {zoom: 12}) -> Promise<L.GeoJSON>   (GET /api/areas/{id}/geojson)
 *   JW.eventMap(id, {point: [lat, lon] | null, grid: Feature | null, tiles: "", label: ""})
 *   JW.pickPoint(map, {lon: inputId, lat: inputId, crs: selectId})  (a click fills the inputs)
 *
 * Leaflet itself comes from {% static 'vendor/leaflet/leaflet.js' %} (loaded before this file).
 */
(function (global) {
  "use strict";
  var JW = global.JW || (global.JW = {});
  var AREA_STYLE = {color: "#2a5d8a", weight: 2, fillColor: "#cfe3f3", fillOpacity: 0.45};

  JW.map = function (el, opts) {
    opts = opts || {};
    var node = typeof el === "string" ? document.getElementById(el) : el;
    var map = L.map(node, {zoomControl: true, attributionControl: !!opts.tiles, zoomSnap: 0.25});
    if (opts.tiles) {
      L.tileLayer(opts.tiles, {maxZoom: 19, attribution: opts.attribution || ""}).addTo(map);
    } else {
      node.classList.add("jw-map-plain");
    }
    return map;
  };

  JW.addGeoJSON = function (map, data, opts) {
    opts = opts || {};
    var layer = L.geoJSON(data, {
      style: function () { return Object.assign({}, AREA_STYLE, opts.style || {}); },
      onEachFeature: function (f, l) {
        var text = opts.label ? opts.label(f) : (f.properties && f.properties.name);
        if (text) { l.bindTooltip(String(text), {sticky: true}); }
      }
    }).addTo(map);
    if (opts.fit !== false && layer.getBounds().isValid()) {
      map.fitBounds(layer.getBounds(), {padding: [12, 12]});
    }
    return layer;
  };

  JW.addPoint = function (map, latlng, opts) {
    opts = opts || {};
    var m = L.circleMarker(latlng, {radius: 8, color: "#fff", weight: 2, fillColor: "#b3261e", fillOpacity: 1});
    if (opts.label) { m.bindTooltip(String(opts.label)); }
    return m.addTo(map);
  };

  JW.loadArea = function (map, areaId, opts) {
    opts = opts || {};
    var url = "/api/areas/" + encodeURIComponent(areaId) + "/geojson" + (opts.zoom ? "?zoom=" + opts.zoom : "");
    return fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) { return JW.addGeoJSON(map, data, opts); });
  };

  /* Fill a form's lon/lat inputs (ids.lon, ids.lat; ids.crs set to WGS84, the maps' system) from a
   * click on the map, with a marker where it was clicked. */
  JW.pickPoint = function (map, ids) {
    var marker = null;
    map.getContainer().classList.add("jw-map-pick");
    map.on("click", function (ev) {
      var lon = document.getElementById(ids.lon), lat = document.getElementById(ids.lat);
      var crs = ids.crs && document.getElementById(ids.crs);
      if (!lon || !lat) { return; }
      lon.value = ev.latlng.lng.toFixed(6);
      lat.value = ev.latlng.lat.toFixed(6);
      if (crs) { crs.value = "wgs84"; }
      if (marker) { marker.setLatLng(ev.latlng); } else { marker = JW.addPoint(map, ev.latlng, {}); }
      var folded = lon.closest("details");
      if (folded) { folded.open = true; }
    });
    return map;
  };

  JW.eventMap = function (id, data) {
    var node = document.getElementById(id);
    if (!node || !global.L) { return null; }
    var map = JW.map(node, {tiles: data.tiles});
    var hasPoint = data.point && data.point[0] != null;
    var bounds = data.grid ? L.geoJSON(data.grid).getBounds() : null;
    if (bounds && bounds.isValid()) {
      if (hasPoint) { bounds.extend(L.latLng(data.point[0], data.point[1])); }
      map.fitBounds(bounds, {padding: [12, 12]});
    } else if (hasPoint) {
      map.setView(data.point, 16);
    } else {
      return map;
    }
    if (data.grid) { JW.addGeoJSON(map, data.grid, {fit: false}); }
    if (hasPoint) { JW.addPoint(map, data.point, {label: data.label}); }
    return map;
  };
})(window);
