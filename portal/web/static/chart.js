/* The resource page's chart builder: rows from datastore_search, drawn by ECharts (served by
   the portal from static/vendor/, put there by `make install`). The page works without it. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-chart]");
  if (!form) { return; }
  var status = document.getElementById("chart-status");
  var box = document.getElementById("chart");
  if (typeof window.echarts === "undefined") {
    status.textContent = form.getAttribute("data-missing");
    return;
  }
  form.hidden = false;
  var kinds = JSON.parse(form.getAttribute("data-kinds"));
  var chart = null;

  function rowsUrl() {
    var params = new URLSearchParams();
    params.set("resource_id", form.getAttribute("data-resource"));
    params.set("limit", form.getAttribute("data-limit"));
    params.set("sort", "_id asc");
    var filters = form.getAttribute("data-filters");
    if (filters && filters !== "{}") { params.set("filters", filters); }
    var q = form.getAttribute("data-q");
    if (q) { params.set("q", q); }
    return form.getAttribute("data-api") + "?" + params.toString();
  }

  // Rows with the same category add up, in the order the categories first appear.
  function totals(records, x, y) {
    var names = [], sums = {};
    records.forEach(function (record) {
      var value = Number(record[y]);
      if (record[y] === null || record[y] === "" || isNaN(value)) { return; }
      var name = record[x] === null ? "" : String(record[x]);
      if (!Object.prototype.hasOwnProperty.call(sums, name)) { names.push(name); sums[name] = 0; }
      sums[name] += value;
    });
    return { names: names, values: names.map(function (n) { return sums[n]; }) };
  }

  function option(kind, data, y) {
    if (kind === "pie") {
      return {
        animation: false,
        tooltip: { trigger: "item" },
        series: [{ type: "pie", name: y, radius: "65%",
          data: data.names.map(function (n, i) { return { name: n, value: data.values[i] }; }) }]
      };
    }
    return {
      animation: false,
      tooltip: { trigger: "axis" },
      grid: { containLabel: true, left: 16, right: 16, top: 24, bottom: 16 },
      xAxis: { type: "category", data: data.names },
      yAxis: { type: "value", name: y },
      series: [{ type: kind, name: y, data: data.values }]
    };
  }

  function draw(kind, x, y, records) {
    var data = totals(records, x, y);
    if (!data.names.length) { status.textContent = form.getAttribute("data-empty"); return; }
    box.hidden = false;
    if (chart) { chart.dispose(); }
    chart = window.echarts.init(box, null, { renderer: "svg" });
    chart.setOption(option(kind, data, y));
    var label = form.getAttribute("data-describe").replace("{kind}", kinds[kind] || kind)
      .replace("{y}", y).replace("{x}", x).replace("{n}", String(data.names.length));
    box.setAttribute("aria-label", label);
    status.textContent = label;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var kind = form.elements.type.value, x = form.elements.x.value, y = form.elements.y.value;
    status.textContent = form.getAttribute("data-loading");
    fetch(rowsUrl(), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) {
        if (!body || !body.success) { status.textContent = form.getAttribute("data-failed"); return; }
        draw(kind, x, y, body.result.records);
      })
      .catch(function () { status.textContent = form.getAttribute("data-failed"); });
  });

  window.addEventListener("resize", function () { if (chart) { chart.resize(); } });
})();
