/* The statistics page's charts: each box carries its figures (the same as the table below it)
   in data-chart; ECharts (served by the portal from static/vendor/) draws them as SVG. */
(function () {
  "use strict";
  if (typeof window.echarts === "undefined") { return; }
  var boxes = document.querySelectorAll("[data-chart]");
  var charts = [];

  function option(spec) {
    var labels = spec.rows.map(function (row) { return String(row[0]); });
    if (spec.kind === "pie") {
      return {
        tooltip: { trigger: "item" },
        series: [{
          type: "pie", radius: ["35%", "65%"],
          data: spec.rows.map(function (row) { return { name: String(row[0]), value: row[1] }; })
        }]
      };
    }
    var series = spec.columns.slice(1).map(function (name, i) {
      return {
        name: name, type: spec.kind, smooth: spec.kind === "line",
        data: spec.rows.map(function (row) { return row[i + 1]; })
      };
    });
    return {
      tooltip: { trigger: "axis" },
      legend: series.length > 1 ? { top: 0 } : undefined,
      grid: { left: 8, right: 16, top: series.length > 1 ? 32 : 12, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: labels, axisLabel: { interval: 0, rotate: labels.length > 6 ? 40 : 0 } },
      yAxis: { type: "value", minInterval: 1 },
      series: series
    };
  }

  Array.prototype.forEach.call(boxes, function (box) {
    var chart = window.echarts.init(box, null, { renderer: "svg" });
    chart.setOption(option(JSON.parse(box.getAttribute("data-chart"))));
    charts.push(chart);
  });
  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
