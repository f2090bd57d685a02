/* The attendance entry form: task rows can be added and removed, each row offers only
   the measures of its category, and choosing "another unit" shows the fields for a unit
   not paired that day. Without script the form still works with one task row. */
(function () {
  "use strict";

  function measuresOf(form) {
    var data = document.getElementById(form.dataset.measures);
    return data ? JSON.parse(data.textContent) : {};
  }

  function fillMeasures(row, measures) {
    var category = row.querySelector("[data-task-category]");
    var measure = row.querySelector("[data-task-measure]");
    if (!category || !measure) return;
    var chosen = measure.value;
    var allowed = measures[category.value];
    if (!allowed) return; // no category yet: keep every measure
    measure.innerHTML = "";
    allowed.forEach(function (pair) {
      var option = document.createElement("option");
      option.value = pair[0];
      option.textContent = pair[1];
      if (pair[0] === chosen) option.selected = true;
      measure.appendChild(option);
    });
  }

  function setUpRow(row, measures) {
    var category = row.querySelector("[data-task-category]");
    if (category) {
      category.addEventListener("change", function () { fillMeasures(row, measures); });
    }
    var remove = row.querySelector("[data-remove-task]");
    if (remove) {
      remove.addEventListener("click", function () { row.remove(); });
    }
    fillMeasures(row, measures);
  }

  function setUpTasks(form, measures) {
    var rows = form.querySelector("[data-task-rows]");
    var template = form.querySelector("template[data-task-template]");
    var add = form.querySelector("[data-add-task]");
    if (!rows || !template || !add) return;
    rows.querySelectorAll("[data-task-row]").forEach(function (row) { setUpRow(row, measures); });
    add.addEventListener("click", function () {
      var row = template.content.firstElementChild.cloneNode(true);
      rows.appendChild(row);
      setUpRow(row, measures);
      var select = row.querySelector("select");
      if (select) select.focus();
    });
  }

  function setUpOtherUnit(form) {
    var unit = form.querySelector("select[name=unit]");
    var fields = form.querySelector("[data-other-fields]");
    if (!unit || !fields) return;
    function toggle() {
      var other = unit.value === form.dataset.otherUnit;
      fields.hidden = !other;
      fields.querySelectorAll("input").forEach(function (input) { input.disabled = !other; });
    }
    unit.addEventListener("change", toggle);
    toggle();
  }

  function init() {
    var form = document.getElementById("attendance-form");
    if (!form) return;
    setUpTasks(form, measuresOf(form));
    setUpOtherUnit(form);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
