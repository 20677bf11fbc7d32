// The home workspace's charts (views/home.py): customers by stage and order value by stage,
// drawn with the locally served ECharts from the figures the page carries as JSON.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("workspace-chart-data").textContent);
  var words = JSON.parse(document.getElementById("workspace-chart-words").textContent);
  // One colour per stage, in the declared order: potential, intent, deal, lost.
  var STAGE_COLOURS = ["#5b8ff9", "#f6bd16", "#5ad8a6", "#9aa5b1"];
  var charts = [];

  function number(value) {
    return Number(value).toLocaleString("en", { maximumFractionDigits: 0 });
  }

  function draw(id, name, values) {
    var element = document.getElementById(id);
    if (!element || !window.echarts) { return; }
    var chart = window.echarts.init(element, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: number },
      xAxis: { type: "category", data: data.stages },
      yAxis: { type: "value", axisLabel: { formatter: number } },
      series: [{
        name: name,
        type: "bar",
        barMaxWidth: 48,
        data: values.map(function (value, index) {
          return { value: value, itemStyle: { color: STAGE_COLOURS[index % STAGE_COLOURS.length] } };
        }),
        label: { show: true, position: "top", formatter: function (item) { return number(item.value); } }
      }]
    });
    element.setAttribute("data-drawn", "1");
    charts.push(chart);
  }

  draw("chart-stages", words.customers, data.customers);
  var currency = data.currencies.indexOf("CNY") >= 0 ? "CNY" : data.currencies[0];
  draw("chart-values", words.value + (currency ? " (" + currency + ")" : ""),
       currency ? data.values[currency] : data.stages.map(function () { return 0; }));
  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
