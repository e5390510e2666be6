/* 大屏: fetches GET /api/situation and the live feed (open alarms, latest early warnings) every
   data-refresh seconds (cycling the trend through 30, 90 and 365 days and the map through its
   figures) and redraws; keeps the last data on a failed fetch and says so. No interaction. */
(function () {
  "use strict";
  var root = document.getElementById("screen");
  if (!root) return;
  var t = root.dataset, url = t.situationUrl, refresh = Math.max(30, Math.min(60, +t.refresh || 30)) * 1000;
  var DAYS = [30, 90, 365], turn = 0, charts = {};
  var METRICS = ["new_month", "open", "overdue", "on_time_rate", "satisfaction_rate", "per_1000_households"];
  var C = { new: "#38bdf8", closed: "#34d399", overdue: "#ff6b6b", axis: "#7d95b8", grid: "#16365f" };

  function fit() {
    var s = Math.min(window.innerWidth / 1920, window.innerHeight / 1080);
    root.style.transform = "scale(" + s + ")";
  }
  function chart(id) {
    var el = document.getElementById(id);
    if (!el || typeof echarts === "undefined") return null;
    if (!charts[id]) charts[id] = echarts.init(el, null, { renderer: "canvas" });
    return charts[id];
  }
  function axis(data, rotate) {
    return { type: "category", data: data, axisLabel: { color: C.axis, rotate: rotate || 0, fontSize: 13 },
             axisLine: { lineStyle: { color: C.grid } } };
  }
  var value = { type: "value", minInterval: 1, axisLabel: { color: C.axis }, splitLine: { lineStyle: { color: C.grid } } };
  var legend = { textStyle: { color: "#d7e6ff", fontSize: 14 }, top: 0 };
  function text(id, v) { var el = document.getElementById(id); if (el) el.textContent = v; }
  function list(id, rows, fmt) {
    var el = document.getElementById(id);
    if (!el) return;
    el.textContent = "";
    if (!rows.length) { var li = document.createElement("li"); li.textContent = t.tNone; el.appendChild(li); return; }
    rows.forEach(function (r) {
      var li = document.createElement("li"), parts = fmt(r);
      li.appendChild(document.createTextNode(parts[0]));
      var b = document.createElement("b"); b.textContent = parts[1]; li.appendChild(b);
      el.appendChild(li);
    });
  }
  // "HH:MM" of an ISO moment in the server's time zone (the hall's), whatever the browser's.
  function hm(iso) {
    try { return new Date(iso).toLocaleTimeString("zh-CN", { hour: "2-digit", minute: "2-digit", hour12: false, timeZone: t.tz || undefined }); }
    catch (e) { return iso.slice(11, 16); }
  }
  function resizeAll() { Object.keys(charts).forEach(function (k) { charts[k].resize(); }); }
  function pct(v) { return v === null || v === undefined ? 0 : Math.round(v * 1000) / 10; }

  function render(s) {
    var p = s.periods;
    text("k-today-new", p.today.new); text("k-today-closed", p.today.closed); text("k-today-overdue", p.today.overdue);
    text("k-month-new", p.month.new); text("k-month-closed", p.month.closed); text("k-month-overdue", p.month.overdue);
    text("k-now-open", s.now.open); text("k-now-overdue", s.now.overdue); text("k-whistles", s.whistles_pending.count);
    text("trend-title", t.tDays.replace("{n}", s.trend.days));
    list("l-grids", s.top_grids, function (g) { return [g.name, g.new]; });
    list("l-units", s.overdue_units, function (u) { return [u.name, u.overdue]; });
    list("l-whistles", s.whistles_pending.rows, function (w) { return [w.department + " · " + w.title, hm(w.due_at)]; });
    var c;
    if ((c = chart("c-trend"))) {
      var ser = s.trend.series;
      c.setOption({ animation: false, legend: legend, tooltip: { trigger: "axis" },
        grid: { left: 50, right: 20, top: 36, bottom: 30 }, xAxis: axis(ser.map(function (d) { return d.day.slice(5); })), yAxis: value,
        series: [{ name: t.tNew, type: "line", smooth: true, showSymbol: false, areaStyle: { opacity: .15 }, color: C.new, data: ser.map(function (d) { return d.new; }) },
                 { name: t.tClosed, type: "line", smooth: true, showSymbol: false, color: C.closed, data: ser.map(function (d) { return d.closed; }) },
                 { name: t.tOverdue, type: "bar", color: C.overdue, data: ser.map(function (d) { return d.overdue; }) }] }, true);
    }
    if ((c = chart("c-boards"))) {
      c.setOption({ animation: false, legend: legend, tooltip: { trigger: "axis" }, grid: { left: 50, right: 16, top: 36, bottom: 26 },
        xAxis: axis(s.by_board.map(function (b) { return b.label; })), yAxis: value,
        series: [{ name: t.tNew, type: "bar", color: C.new, data: s.by_board.map(function (b) { return b.month.new; }) },
                 { name: t.tClosed, type: "bar", color: C.closed, data: s.by_board.map(function (b) { return b.month.closed; }) },
                 { name: t.tOverdue, type: "bar", color: C.overdue, data: s.by_board.map(function (b) { return b.month.overdue; }) }] }, true);
    }
    if ((c = chart("c-categories"))) {
      c.setOption({ animation: false, tooltip: { trigger: "item" },
        series: [{ type: "pie", radius: ["35%", "70%"], label: { color: "#d7e6ff", fontSize: 13 },
                   data: s.by_category.slice(0, 8).map(function (x) { return { name: x.name, value: x.month.new }; }) }] }, true);
    }
    if ((c = chart("c-rates"))) {
      var gauge = function (name, v, x) {
        return { type: "gauge", center: [x, "60%"], radius: "85%", min: 0, max: 100, splitNumber: 5,
          axisLine: { lineStyle: { width: 12, color: [[0.6, "#ff6b6b"], [0.9, "#ffd166"], [1, "#34d399"]] } },
          axisLabel: { color: C.axis, fontSize: 10 }, pointer: { width: 4 }, title: { color: "#d7e6ff", fontSize: 14, offsetCenter: [0, "75%"] },
          detail: { color: "#e9f4ff", fontSize: 22, formatter: v === null || v === undefined ? "—" : "{value}%", offsetCenter: [0, "40%"] },
          data: [{ name: name, value: pct(v) }] };
      };
      c.setOption({ animation: false, series: [gauge(t.tOnTime, p.month.on_time_rate, "25%"),
                                              gauge(t.tSatisfaction, p.month.satisfaction_rate, "75%")] }, true);
    }
    resizeAll();
    text("scr-updated", t.tUpdated + " " + new Date().toTimeString().slice(0, 8));
    root.dataset.renderedAt = String(Date.now());
  }

  // The duty's open alarms (emergencies flash) and the latest early-warning alerts.
  function renderLive(live) {
    text("k-alarms", live.alarm_count);
    var panel = document.getElementById("p-alarms");
    if (panel) panel.classList.toggle("scr-alarming", live.alarms.some(function (a) { return a.flash; }));
    rows("l-alarms", live.alarms, function (a) {
      return { cls: "scr-alarm scr-" + a.severity + (a.flash ? " scr-flash" : ""),
               tag: a.severity_label, text: a.town + " · " + a.title, time: hm(a.raised_at) };
    });
    rows("l-alerts", live.alerts, function (a) {
      return { cls: "scr-alert scr-" + a.state, tag: a.kind_label, text: a.area + " · " + a.title, time: hm(a.raised_at) };
    });
    resizeAll();
  }
  function rows(id, items, fmt) {
    var el = document.getElementById(id);
    if (!el) return;
    el.textContent = "";
    if (!items.length) { var li = document.createElement("li"); li.className = "scr-none"; li.textContent = t.tNone; el.appendChild(li); return; }
    items.forEach(function (it) {
      var r = fmt(it), li = document.createElement("li"), tag = document.createElement("span"), tm = document.createElement("b");
      li.className = r.cls; tag.className = "scr-tag"; tag.textContent = r.tag; tm.textContent = r.time;
      li.appendChild(tag); li.appendChild(document.createTextNode(" " + r.text)); li.appendChild(tm);
      el.appendChild(li);
    });
  }
  function loadLive() {
    if (!t.liveUrl) return;
    fetch(t.liveUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(renderLive).catch(function () { /* the situation fetch says when the connection is lost */ });
  }

  function load() {
    var days = DAYS[turn % DAYS.length], metric = METRICS[turn % METRICS.length];
    turn++;
    loadLive();
    if (window.JWSituationMap) window.JWSituationMap.refresh(metric);
    fetch(url + "&days=" + days, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (s) { document.getElementById("scr-stale").hidden = true; render(s); })
      .catch(function () { var w = document.getElementById("scr-stale"); w.textContent = t.tStale; w.hidden = false; });
  }
  function tick() { text("scr-clock", new Date().toLocaleString(document.documentElement.lang || "zh-Hans", { hour12: false })); }

  fit(); window.addEventListener("resize", fit);
  tick(); setInterval(tick, 1000);
  var first = document.getElementById("screen-data");
  var live = document.getElementById("screen-live");
  if (live) { try { renderLive(JSON.parse(live.textContent)); } catch (e) { /* the next fetch draws it */ } }
  if (first) { try { render(JSON.parse(first.textContent)); turn = 1; } catch (e) { /* the first fetch draws it */ } }
  setInterval(load, refresh);
  if (!first) load();
})();
