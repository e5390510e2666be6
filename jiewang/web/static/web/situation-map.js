/* 态势地图: a Leaflet choropleth of the sub-areas of an area, coloured by the figure the user picks
   (GET /api/situation/map?area=&metric=), with a legend, tooltips, a table of the same numbers,
   click to drill down into an area and a button back up. Used by the command center
   (web/command/_situation_map.html) and, without the controls, by the big screen, which calls
   window.JWSituationMap.refresh(el) on its own timer. */
(function () {
  "use strict";
  var LOW_BAD = ["#fff3bf", "#ffd166", "#f59e0b", "#ea580c", "#b91c1c"];   // counts: more is worse
  var HIGH_GOOD = ["#b91c1c", "#ea580c", "#f59e0b", "#84cc16", "#15803d"]; // rates: more is better
  var NONE = "#cbd5e1";
  var maps = [];

  function tr(el, key, fallback) { return el.getAttribute("data-t-" + key) || fallback; }

  function fmt(v, kind) {
    if (v === null || v === undefined) return "—";
    if (kind === "rate") return (Math.round(v * 1000) / 10) + "%";
    if (kind === "ratio") return String(Math.round(v * 100) / 100);
    return String(v);
  }

  // Up to five classes between min and max (whole numbers for counts; one class for one value).
  function classes(data) {
    var lo = data.min, hi = data.max, out = [], i;
    if (lo === null || hi === null) return [];
    if (data.metric.kind === "count") {
      if (hi - lo < 5) { for (i = lo; i <= hi; i++) out.push([i, i]); return out; }
      var w = Math.ceil((hi - lo + 1) / 5);
      for (i = lo; i <= hi; i += w) out.push([i, Math.min(hi, i + w - 1)]);
      return out;
    }
    var n = hi > lo ? 5 : 1, step = (hi - lo) / n;
    for (i = 0; i < n; i++) out.push([lo + i * step, i === n - 1 ? hi : lo + (i + 1) * step]);
    return out;
  }

  function colourOf(v, data, bands) {
    if (v === null || v === undefined || !bands.length) return NONE;
    var palette = data.metric.better === "higher" ? HIGH_GOOD : LOW_BAD, n = bands.length;
    for (var i = 0; i < n; i++) {
      if (v <= bands[i][1] || i === n - 1) {
        if (n === 1) return palette[data.metric.better === "higher" ? 4 : (v > 0 ? 2 : 0)];
        return palette[Math.round(i * 4 / (n - 1))];
      }
    }
    return NONE;
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json().then(function (b) { if (!r.ok) throw new Error((b && b.message) || r.status); return b; }); });
  }

  function init(el) {
    if (!window.L || !el || el._jw) return;
    var L = window.L, dark = el.getAttribute("data-dark") === "1";
    var canvas = el.querySelector(".sit-map-canvas"), legend = el.querySelector(".sit-map-legend");
    var picker = el.querySelector("select.sit-map-metric"), up = el.querySelector(".sit-map-up");
    var title = el.querySelector(".sit-map-title"), table = el.querySelector(".sit-map-table tbody");
    var note = el.querySelector(".sit-map-note");
    var state = { area: el.getAttribute("data-area"), metric: el.getAttribute("data-metric") || "new_month",
                  data: null, geo: null, geoArea: null };
    canvas.classList.add("ready");
    var map = L.map(canvas, { zoomControl: !dark, attributionControl: false, zoomSnap: 0.25,
                              dragging: !dark, scrollWheelZoom: !dark, doubleClickZoom: !dark, boxZoom: !dark,
                              keyboard: !dark, touchZoom: !dark });
    if (el.getAttribute("data-tiles")) L.tileLayer(el.getAttribute("data-tiles"), { maxZoom: 19 }).addTo(map);
    map.setView([29.5, 106.5], 9);
    var layer = L.layerGroup().addTo(map);
    el._jw = { refresh: function (metric) { if (metric) state.metric = metric; load(false); } };
    maps.push(el);

    function say(text) { if (note) { note.textContent = text || ""; note.hidden = !text; } }

    function drawLegend(data, bands) {
      if (!legend) return;
      legend.textContent = "";
      var head = document.createElement("span");
      head.className = "sit-map-legend-title";
      head.textContent = data.metric.label;
      legend.appendChild(head);
      bands.forEach(function (b) {
        var item = document.createElement("span"), sw = document.createElement("i");
        sw.style.background = colourOf(b[1], data, bands);
        item.appendChild(sw);
        var same = fmt(b[0], data.metric.kind) === fmt(b[1], data.metric.kind);
        item.appendChild(document.createTextNode(same ? fmt(b[1], data.metric.kind)
          : fmt(b[0], data.metric.kind) + "–" + fmt(b[1], data.metric.kind)));
        legend.appendChild(item);
      });
      var none = document.createElement("span"), sw0 = document.createElement("i");
      sw0.style.background = NONE;
      none.appendChild(sw0);
      none.appendChild(document.createTextNode(tr(el, "none", "No data")));
      legend.appendChild(none);
    }

    function drawTable(data) {
      if (!table) return;
      table.textContent = "";
      data.areas.slice().sort(function (a, b) {
        var x = a.value === null ? -Infinity : a.value, y = b.value === null ? -Infinity : b.value;
        return data.metric.better === "higher" ? x - y : y - x;
      }).forEach(function (a) {
        var row = document.createElement("tr"), th = document.createElement("th"), td = document.createElement("td");
        th.scope = "row";
        if (a.drillable) {
          var btn = document.createElement("button");
          btn.type = "button"; btn.className = "linklike"; btn.textContent = a.name;
          btn.addEventListener("click", function () { drill(a.area_id); });
          th.appendChild(btn);
        } else th.textContent = a.name;
        td.textContent = fmt(a.value, data.metric.kind);
        row.appendChild(th); row.appendChild(td); table.appendChild(row);
      });
      var head = el.querySelector(".sit-map-table .sit-map-col");
      if (head) head.textContent = data.metric.label;
    }

    function tooltip(a, data) {
      var f = a.figures, k = function (key, kind) { return fmt(f[key], kind); };
      return "<b>" + a.name.replace(/[&<>"]/g, function (c) { return "&#" + c.charCodeAt(0) + ";"; }) + "</b><br>" +
        data.metric.label + ": <b>" + fmt(a.value, data.metric.kind) + "</b><br>" +
        tr(el, "new-month", "New this month") + " " + k("new_month") + " · " + tr(el, "open", "Open") + " " + k("open") +
        " · " + tr(el, "overdue", "Overdue") + " " + k("overdue") + "<br>" +
        tr(el, "on-time", "On-time") + " " + k("on_time_rate", "rate") + " · " + tr(el, "satisfaction", "Satisfaction") +
        " " + k("satisfaction_rate", "rate") + (a.drillable && !dark ? "<br><i>" + tr(el, "drill", "Click to open") + "</i>" : "");
    }

    function paint() {
      var data = state.data, fc = state.geo;
      if (!data || !fc) return;
      var bands = classes(data), byId = {};
      data.areas.forEach(function (a) { byId[String(a.area_id)] = a; });
      layer.clearLayers();
      var geo = L.geoJSON(fc, {
        style: function (f) {
          var a = byId[String(f.id)];
          return { className: "jw-sitmap-area", color: dark ? "#7fd3ff" : "#334155", weight: 1,
                   fillColor: colourOf(a ? a.value : null, data, bands), fillOpacity: dark ? 0.75 : 0.7 };
        },
        onEachFeature: function (f, lyr) {
          var a = byId[String(f.id)];
          if (!a) return;
          lyr.bindTooltip(tooltip(a, data), { sticky: true });
          if (dark) {
            var c = lyr.getBounds().getCenter();
            L.marker(c, { interactive: false, keyboard: false, icon: L.divIcon({ className: "sit-map-label",
              html: "<span>" + a.name.replace(/[&<>"]/g, "") + "<b>" + fmt(a.value, data.metric.kind) + "</b></span>",
              iconSize: null }) }).addTo(layer);
          }
          if (a.drillable && !dark) lyr.on("click", function () { drill(a.area_id); });
        }
      }).addTo(layer);
      var b = geo.getBounds();
      map.invalidateSize(false);  // the box may have been laid out after the map was made
      if (b.isValid() && (state.geoArea !== state.fitted || !map.getBounds().intersects(b))) {
        map.fitBounds(b, { padding: [8, 8] }); state.fitted = state.geoArea;
      }
      drawLegend(data, bands);
      drawTable(data);
      el.setAttribute("data-drawn", data.area.id + ":" + data.metric.value + ":" + data.areas.length);
    }

    function load(newArea) {
      var url = el.getAttribute("data-url") + "?metric=" + encodeURIComponent(state.metric) +
        (state.area ? "&area=" + encodeURIComponent(state.area) : "");
      getJSON(url).then(function (data) {
        state.data = data;
        state.area = String(data.area.id);
        if (title) title.textContent = data.area.name;
        if (up) {
          up.hidden = !data.parent;
          if (data.parent) { up.textContent = tr(el, "up", "Up to {name}").replace("{name}", data.parent.name); up.dataset.area = data.parent.id; }
        }
        say(data.too_large ? tr(el, "too-large", "Too many areas to draw.") : "");
        if (!data.geojson_url) { layer.clearLayers(); return; }
        if (state.geoArea === state.area && state.geo && !newArea) { paint(); return; }
        return getJSON(data.geojson_url + "?zoom=" + Math.max(8, Math.round(map.getZoom()) + (newArea ? 2 : 0))).then(function (fc) {
          state.geo = fc; state.geoArea = state.area; paint();
        });
      }).catch(function (e) { say(tr(el, "failed", "The map could not be loaded.") + (e && e.message ? " (" + e.message + ")" : "")); });
    }

    function drill(areaId) { state.area = String(areaId); load(true); }

    if (picker) picker.addEventListener("change", function () { state.metric = picker.value; load(false); });
    if (up) up.addEventListener("click", function () { if (up.dataset.area) drill(up.dataset.area); });
    load(true);
  }

  function start() { document.querySelectorAll("[data-sitmap]").forEach(init); }
  window.JWSituationMap = {
    start: start,
    refresh: function (metric) { maps.forEach(function (el) { if (el._jw) el._jw.refresh(metric); }); }
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
