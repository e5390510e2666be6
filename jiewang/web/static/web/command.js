/* Command center and department workbench: live countdowns, and the command center's map
   (Leaflet when present; the server-rendered table of grid counts is the fallback). */
(function () {
  "use strict";

  function t(root, key, fallback) {
    return (root && root.getAttribute("data-t-" + key)) || fallback;
  }

  // ---- countdowns: <time class="countdown" datetime="ISO"> ----------------------------------
  function span(ms, root) {
    var m = Math.max(0, Math.floor(ms / 60000));
    var d = Math.floor(m / 1440), h = Math.floor((m % 1440) / 60), mm = m % 60;
    var D = t(root, "d", "d"), H = t(root, "h", "h"), M = t(root, "m", "min");
    if (d > 0) return d + " " + D + " " + h + " " + H;
    if (h > 0) return h + " " + H + " " + mm + " " + M;
    return mm + " " + M;
  }

  function tick() {
    var root = document.getElementById("cmd") || document.getElementById("dept");
    var now = Date.now();
    document.querySelectorAll("time.countdown[datetime]").forEach(function (el) {
      var due = Date.parse(el.getAttribute("datetime"));
      if (isNaN(due)) return;
      var left = due - now;
      if (left >= 0) {
        el.textContent = t(root, "left", "{t} left").replace("{t}", span(left, root));
        el.classList.remove("over");
      } else {
        el.textContent = t(root, "over", "Overdue by {t}").replace("{t}", span(-left, root));
        el.classList.add("over");
      }
    });
  }

  // ---- the map -------------------------------------------------------------------------------
  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); });
  }

  function withParams(url, params) {
    var sep = url.indexOf("?") >= 0 ? "&" : "?";
    return url + sep + Object.keys(params).map(function (k) {
      return encodeURIComponent(k) + "=" + encodeURIComponent(params[k]);
    }).join("&");
  }

  function gridStyle(c) {
    if (c && c.overdue > 0) return { color: "#7f1d1d", weight: 1, fillColor: "#dc2626", fillOpacity: 0.45 };
    if (c && c.open > 0) return { color: "#78350f", weight: 1, fillColor: "#f59e0b", fillOpacity: 0.35 };
    return { color: "#2a5d8a", weight: 1, fillColor: "#cfe3f3", fillOpacity: 0.25 };
  }

  function initMap(el) {
    if (!window.L || !el) return;
    var L = window.L;
    var bbox = (el.getAttribute("data-bbox") || "").split(",").map(Number);
    el.classList.add("ready");  // shown before Leaflet measures it
    var map = L.map(el, { zoomControl: true, attributionControl: !!el.getAttribute("data-tiles") });
    if (el.getAttribute("data-tiles")) L.tileLayer(el.getAttribute("data-tiles"), { maxZoom: 19 }).addTo(map);
    if (bbox.length === 4 && bbox.every(function (x) { return !isNaN(x); })) {
      map.fitBounds([[bbox[1], bbox[0]], [bbox[3], bbox[2]]]);
    } else {
      map.setView([29.5, 106.5], 10);
    }
    var gridLayer = L.layerGroup().addTo(map);
    var pointLayer = L.layerGroup().addTo(map);
    var counts = {}, geojsonUrl = null, geoZoom = null;
    var note = document.getElementById("map-note");
    var gridsUrl = el.getAttribute("data-grids-url");

    // Say what went wrong instead of leaving the map blank (a layer too large, a failed request).
    function say(text) {
      if (!note) return;
      note.textContent = text || "";
      note.hidden = !text;
    }

    function loadGrids(force) {
      var z = map.getZoom();
      if (!geojsonUrl || (!force && geoZoom !== null && Math.abs(z - geoZoom) < 2)) return;
      geoZoom = z;
      fetch(withParams(geojsonUrl, { zoom: z }), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) {
          return r.json().then(function (body) {
            if (!r.ok) throw new Error((body && body.message) || t(el, "failed", "The map layer could not be loaded."));
            return body;
          });
        }).then(function (fc) {
          gridLayer.clearLayers();
          L.geoJSON(fc, {
            style: function (f) {
              return Object.assign({ className: "jw-area" }, gridStyle(counts[String(f.id || (f.properties || {}).id)]));
            },
            onEachFeature: function (f, layer) {
              var c = counts[String(f.id || (f.properties || {}).id)] || { open: 0, overdue: 0 };
              layer.bindTooltip((f.properties || {}).name + ": " + c.open + " " + t(el, "open", "open") + ", " +
                c.overdue + " " + t(el, "overdue", "overdue"));
            }
          }).addTo(gridLayer);
        }).catch(function (e) { say(e.message || t(el, "failed", "The map layer could not be loaded.")); });
    }

    // The table under the map follows the layer shown (the same counts, worst first).
    function fillTable(data) {
      var summary = document.getElementById("area-counts-summary");
      var table = document.querySelector("#area-counts tbody");
      if (!summary || !table) return;
      var label = ((data.layers || []).filter(function (l) { return l.value === data.layer; })[0] || {}).label || "";
      var rows = Object.keys(counts).map(function (k) { return counts[k]; }).sort(function (a, b) {
        return (b.overdue - a.overdue) || (b.open - a.open) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
      });
      var totals = data.totals || { open: 0, local: 0 };
      summary.textContent = t(el, "by", "{level}").replace("{level}", label);
      var open = document.querySelector("[data-map-open]");
      if (open) open.textContent = String(totals.open || 0);
      var local = document.querySelector("[data-map-local]");
      if (local) local.textContent = String(totals.local || 0);
      document.getElementById("area-counts-level").textContent = label;
      table.textContent = "";
      rows.forEach(function (r) {
        var tr = document.createElement("tr");
        [r.name, r.open, r.overdue, r.local || 0].forEach(function (v) {
          var td = document.createElement("td"); td.textContent = String(v); tr.appendChild(td);
        });
        table.appendChild(tr);
      });
      if (!rows.length) {
        var tr = document.createElement("tr"), td = document.createElement("td");
        td.colSpan = 4; td.textContent = t(el, "none", "None"); tr.appendChild(td); table.appendChild(tr);
      }
    }

    function loadLayer(url, redraw) {
      getJSON(url).then(function (data) {
        counts = data.areas || {};
        if (redraw) fillTable(data);
        geojsonUrl = data.geojson_url;
        gridLayer.clearLayers();
        say(data.too_large ? data.message : "");
        loadGrids(true);
      }).catch(function () { say(t(el, "failed", "The map layer could not be loaded.")); });
    }

    function loadPoints() {
      var b = map.getBounds();
      var box = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (x) {
        return Math.max(-180, Math.min(180, x)).toFixed(5);
      });
      box[1] = Math.max(-90, box[1]); box[3] = Math.min(90, box[3]);
      getJSON(withParams(el.getAttribute("data-points-url"), { zoom: map.getZoom(), bbox: box.join(",") }))
        .then(function (data) {
          pointLayer.clearLayers();
          data.clusters.forEach(function (c) {
            if (c.count === 1) {
              L.circleMarker([c.lat, c.lon], { radius: 6, color: c.overdue ? "#7f1d1d" : "#1d4ed8", fillOpacity: 0.8 })
                .bindPopup('<a href="/events/' + encodeURIComponent(c.number) + '/">' + c.number + "</a>")
                .addTo(pointLayer);
              return;
            }
            var size = 28 + Math.min(24, Math.round(Math.log(c.count) * 4));
            L.marker([c.lat, c.lon], {
              icon: L.divIcon({ className: "cluster" + (c.overdue ? " has-overdue" : ""), iconSize: [size, size],
                html: "<span>" + c.count + "</span>" }),
              title: c.count + " " + t(el, "events", "events"), keyboard: true
            }).on("click", function () { map.setView([c.lat, c.lon], Math.min(map.getZoom() + 2, 18)); })
              .addTo(pointLayer);
          });
          data.points.forEach(function (p) {
            L.circleMarker([p.lat, p.lon], { radius: 7, color: p.is_overdue ? "#7f1d1d" : "#1d4ed8", fillOpacity: 0.8 })
              .bindPopup('<a href="/events/' + encodeURIComponent(p.number) + '/">' + p.number + "</a><br>" +
                String(p.title).replace(/[&<>"]/g, function (ch) { return "&#" + ch.charCodeAt(0) + ";"; }))
              .addTo(pointLayer);
          });
          (data.whistles || []).forEach(function (w) {
            L.marker([w.lat, w.lon], {
              icon: L.divIcon({ className: "whistle" + (w.urgent ? " urgent" : ""), iconSize: [26, 26], html: "<span>!</span>" }),
              title: t(el, "whistle", "Whistle") + " " + w.number, keyboard: true
            }).bindPopup('<a href="/events/' + encodeURIComponent(w.number) + '/">' + w.number + "</a>").addTo(pointLayer);
          });
        }).catch(function () {});
    }

    loadLayer(gridsUrl);
    var picker = document.getElementById("map-layer");
    if (picker) {
      picker.addEventListener("change", function () {
        // The same filters, another layer: redraw without reloading the page.
        gridsUrl = gridsUrl.replace(/([?&])layer=[^&]*(&|$)/, "$1").replace(/[?&]$/, "");
        loadLayer(withParams(gridsUrl, { layer: picker.value }), true);
      });
    }
    loadPoints();
    var timer = null;
    map.on("moveend", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { loadGrids(); loadPoints(); }, 250);
    });
  }

  function start() {
    tick();
    setInterval(tick, 30000);
    initMap(document.getElementById("map"));
    document.body.addEventListener("htmx:afterSwap", tick);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
