// The ranking page's charts: totals of the ranked units (red and black list units
// coloured), and their scores grouped by criterion. Data come from the page's
// json_script "ranking-data"; nothing is fetched.
(function () {
  "use strict";
  var source = document.getElementById("ranking-data");
  if (!source || typeof echarts === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var units = data.units.slice().reverse(); // horizontal bars: first place on top
  var ROW = 22;
  var COLOURS = { red: "#b22222", black: "#212529", "": "#5470c6" };

  function sized(element, perUnit) {
    element.style.height = Math.max(240, units.length * perUnit + 80) + "px";
    element.style.width = "100%";
    return echarts.init(element);
  }

  function reversed(values) {
    return values.slice().reverse();
  }

  var charts = [];
  var totals = document.getElementById("chart-totals");
  if (totals) {
    var totalsChart = sized(totals, ROW);
    var lists = reversed(data.lists);
    totalsChart.setOption({
      grid: { left: 8, right: 40, top: 10, bottom: 20, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: { type: "value", max: 100 },
      yAxis: { type: "category", data: units, axisLabel: { interval: 0 } },
      series: [
        {
          name: data.labels.total,
          type: "bar",
          data: reversed(data.totals).map(function (value, index) {
            return { value: value, itemStyle: { color: COLOURS[lists[index]] || COLOURS[""] } };
          }),
          label: { show: true, position: "right" },
        },
      ],
    });
    charts.push(totalsChart);
  }

  var byCriterion = document.getElementById("chart-criteria");
  if (byCriterion && data.criteria.length) {
    var criteriaChart = sized(byCriterion, ROW * Math.max(1, data.criteria.length) * 0.6);
    criteriaChart.setOption({
      grid: { left: 8, right: 20, top: 40, bottom: 20, containLabel: true },
      legend: { top: 0 },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: { type: "value" },
      yAxis: { type: "category", data: units, axisLabel: { interval: 0 } },
      series: data.criteria.map(function (criterion) {
        return { name: criterion.name, type: "bar", data: reversed(criterion.values) };
      }),
    });
    charts.push(criteriaChart);
  }

  window.addEventListener("resize", function () {
    charts.forEach(function (chart) {
      chart.resize();
    });
  });
})();
