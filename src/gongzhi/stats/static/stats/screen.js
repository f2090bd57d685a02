/* The big screen: draws the figures embedded in the page, then fetches them again every
   data-refresh seconds and redraws the charts and numbers in place (no reload), showing
   the time of the last refresh. A failed fetch keeps the last figures and says so. */
(function () {
  "use strict";

  var root = document.querySelector("[data-testid=screen]");
  if (!root) return;
  var seconds = Math.max(parseInt(root.dataset.refresh, 10) || 60, 5);
  var stamp = document.querySelector("[data-testid=refreshed-at]");
  var failure = document.querySelector("[data-testid=refresh-error]");

  function readPageData() {
    var node = document.getElementById("stats-data");
    try { return JSON.parse(node.textContent); } catch (e) { return null; }
  }

  function show(data) {
    (data.kpis || []).forEach(function (kpi) {
      var value = root.querySelector('[data-kpi="' + kpi.key + '"]');
      if (value) value.textContent = kpi.value;
      var unit = root.querySelector('[data-kpi-unit="' + kpi.key + '"]');
      if (unit) unit.textContent = kpi.unit;
    });
    if (stamp) stamp.textContent = data.refreshed_at;
    window.gongzhiCharts.render(data, { dark: true });
    root.dataset.refreshes = String((parseInt(root.dataset.refreshes, 10) || 0) + 1);
  }

  function refresh() {
    fetch(root.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (data) {
        if (failure) failure.hidden = true;
        show(data);
      })
      .catch(function () {
        if (failure) failure.hidden = false;
      })
      .then(function () { window.setTimeout(refresh, seconds * 1000); });
  }

  show(readPageData());
  window.setTimeout(refresh, seconds * 1000);
})();
