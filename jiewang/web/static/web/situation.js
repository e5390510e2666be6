/* 态势 at the top of the command center: the 30-day trend drawn with ECharts (vendored) from the
   data the page embeds (#situation-data); without ECharts the numbers above stay as they are. */
(function () {
  "use strict";
  function draw() {
    var el = document.getElementById("situation-trend");
    var data = document.getElementById("situation-data");
    if (!el || !data || typeof echarts === "undefined") return;
    var t = JSON.parse(data.textContent);
    var chart = echarts.init(el);
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { data: [el.dataset.tNew, el.dataset.tClosed, el.dataset.tOverdue] },
      grid: { left: 40, right: 16, top: 30, bottom: 24 },
      xAxis: { type: "category", data: t.series.map(function (d) { return d.day.slice(5); }) },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: el.dataset.tNew, type: "line", data: t.series.map(function (d) { return d.new; }) },
        { name: el.dataset.tClosed, type: "line", data: t.series.map(function (d) { return d.closed; }) },
        { name: el.dataset.tOverdue, type: "bar", data: t.series.map(function (d) { return d.overdue; }), itemStyle: { color: "#b91c1c" } }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw); else draw();
})();
