/* The statistics charts (ECharts, canvas renderer).
   Every chart container is a [data-chart=NAME] element; its data and every word it
   prints come from the server's JSON (the page's #stats-data script, or a fetch by
   the big screen), so nothing here is in one language or another.
   window.gongzhiCharts.render(data, options) draws or redraws every chart on the page. */
(function () {
  "use strict";

  var PALETTE = ["#b22222", "#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#20c997", "#d39e00", "#6c757d"];

  function base(dark) {
    var text = dark ? "#e6edf7" : "#333";
    var line = dark ? "rgba(230,237,247,.25)" : "#ddd";
    return {
      text: text,
      axis: {
        axisLabel: { color: text },
        axisLine: { lineStyle: { color: line } },
        splitLine: { lineStyle: { color: line } },
        nameTextStyle: { color: text },
      },
    };
  }

  function merge(target, extra) {
    Object.keys(extra).forEach(function (key) { target[key] = extra[key]; });
    return target;
  }

  function axis(theme, spec) { return merge(merge({}, theme.axis), spec); }

  var builders = {
    sessions: function (d, L, theme) {
      var many = d.sessions.dates.length > 24;
      return {
        tooltip: { trigger: "axis" },
        legend: { top: 0, data: [L.person_times, L.participation], textStyle: { color: theme.text } },
        grid: { left: 48, right: 48, top: 48, bottom: many ? 56 : 32 },
        xAxis: axis(theme, { type: "category", data: d.sessions.dates }),
        yAxis: [
          axis(theme, { type: "value", name: L.person_times, minInterval: 1 }),
          axis(theme, { type: "value", name: "%", min: 0, max: 100, splitLine: { show: false } }),
        ],
        dataZoom: many ? [{ type: "inside" }, { type: "slider", height: 14, bottom: 0 }] : [],
        series: [
          { name: L.person_times, type: "bar", data: d.sessions.person_times, itemStyle: { color: PALETTE[0] } },
          { name: L.participation, type: "line", yAxisIndex: 1, data: d.sessions.rate, connectNulls: true, itemStyle: { color: PALETTE[1] } },
        ],
      };
    },
    participation: function (d, L, theme) {
      return {
        tooltip: { trigger: "axis" },
        grid: { left: 40, right: 16, top: 24, bottom: 32 },
        xAxis: axis(theme, { type: "category", data: d.sessions.dates }),
        yAxis: axis(theme, { type: "value", name: "%", min: 0, max: 100 }),
        series: [{ name: L.participation, type: "line", smooth: true, areaStyle: { opacity: 0.2 }, data: d.sessions.rate, connectNulls: true, itemStyle: { color: PALETTE[1] } }],
      };
    },
    person_times: function (d, L, theme) {
      return {
        tooltip: { trigger: "axis" },
        grid: { left: 48, right: 16, top: 24, bottom: 32 },
        xAxis: axis(theme, { type: "category", data: d.sessions.dates }),
        yAxis: axis(theme, { type: "value", minInterval: 1 }),
        series: [{ name: L.person_times, type: "bar", data: d.sessions.person_times, itemStyle: { color: PALETTE[0] } }],
      };
    },
    funds: function (d, L, theme) {
      return {
        tooltip: { trigger: "axis" },
        grid: { left: 72, right: 16, top: 24, bottom: 32 },
        xAxis: axis(theme, { type: "category", data: d.funds.months }),
        yAxis: axis(theme, { type: "value", name: L.yuan }),
        series: [{ name: L.funds, type: "bar", data: d.funds.yuan, itemStyle: { color: PALETTE[2] } }],
      };
    },
    categories: function (d, L, theme) {
      return {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        legend: { top: 0, data: [L.reported, L.closed], textStyle: { color: theme.text } },
        grid: { left: 8, right: 24, top: 32, bottom: 8, containLabel: true },
        xAxis: axis(theme, { type: "value", minInterval: 1 }),
        yAxis: axis(theme, { type: "category", data: d.categories.names.slice().reverse() }),
        series: [
          { name: L.reported, type: "bar", data: d.categories.reported.slice().reverse(), itemStyle: { color: PALETTE[3] } },
          { name: L.closed, type: "bar", data: d.categories.closed.slice().reverse(), itemStyle: { color: PALETTE[2] } },
        ],
      };
    },
    states: function (d, L, theme) {
      return {
        tooltip: { trigger: "item" },
        legend: { type: "scroll", bottom: 0, textStyle: { color: theme.text } },
        series: [{ name: L.states, type: "pie", radius: ["35%", "65%"], center: ["50%", "45%"], data: d.states, label: { color: theme.text } }],
      };
    },
    sources: function (d, L, theme) {
      return {
        color: PALETTE,
        tooltip: { trigger: "item" },
        legend: { type: "scroll", bottom: 0, textStyle: { color: theme.text } },
        series: [{ name: L.sources, type: "pie", radius: "60%", center: ["50%", "45%"], data: d.sources, label: { color: theme.text } }],
      };
    },
    rates: function (d, L, theme) {
      return {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        grid: { left: 8, right: 48, top: 16, bottom: 8, containLabel: true },
        xAxis: axis(theme, { type: "value", min: 0, max: 100 }),
        // The first rate at the top: a category axis draws its first entry at the bottom.
        yAxis: axis(theme, { type: "category", data: d.rates.names.slice().reverse() }),
        series: [{
          type: "bar",
          data: d.rates.values.map(function (v, i) { return { value: v, itemStyle: { color: PALETTE[i + 1] } }; }).reverse(),
          label: { show: true, position: "right", formatter: "{c}%", color: theme.text },
        }],
      };
    },
    units: function (d, L, theme) {
      return {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
        xAxis: axis(theme, { type: "value", minInterval: 1 }),
        yAxis: axis(theme, { type: "category", data: d.units.names }),
        series: [{
          name: L.person_times, type: "bar", data: d.units.person_times,
          itemStyle: { color: PALETTE[0] }, label: { show: true, position: "right", color: theme.text },
        }],
      };
    },
  };

  function isEmpty(name, d) {
    if (name === "states") return !d.states.length;
    if (name === "sources") return !d.sources.length;
    if (name === "categories") return !d.categories.names.length;
    if (name === "units") return !d.units.names.length;
    if (name === "funds") return !d.funds.months.length;
    if (name === "rates") return d.rates.values.every(function (v) { return v === null; });
    return !d.sessions.dates.length;
  }

  function render(data, options) {
    options = options || {};
    if (typeof echarts === "undefined" || !data) return;
    var theme = base(Boolean(options.dark));
    document.querySelectorAll("[data-chart]").forEach(function (element) {
      var name = element.dataset.chart;
      var build = builders[name];
      if (!build) return;
      var chart = echarts.getInstanceByDom(element) || echarts.init(element, null, { renderer: "canvas" });
      var option = build(data, data.labels, theme);
      option.backgroundColor = "transparent";
      option.animation = !options.still;
      if (isEmpty(name, data)) {
        option.graphic = [{ type: "text", left: "center", top: "middle", style: { text: data.labels.no_data, fill: theme.text, fontSize: 14 } }];
      } else {
        option.graphic = [];
      }
      chart.setOption(option, true);
      element.dataset.ready = "true";
    });
  }

  function resizeAll() {
    if (typeof echarts === "undefined") return;
    document.querySelectorAll("[data-chart]").forEach(function (element) {
      var chart = echarts.getInstanceByDom(element);
      if (chart) chart.resize();
    });
  }

  window.gongzhiCharts = { render: render, resize: resizeAll };
  window.addEventListener("resize", resizeAll);

  function readPageData() {
    var node = document.getElementById("stats-data");
    if (!node) return null;
    try { return JSON.parse(node.textContent); } catch (e) { return null; }
  }

  function init() {
    if (document.body.dataset.statsScreen) return; // the big screen draws itself (screen.js)
    render(readPageData());
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
