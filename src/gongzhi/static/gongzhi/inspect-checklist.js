/* The checklist editor: add and remove criteria and items. Rows are numbered by their
   inputs' names (criterion-<i>-…, item-<i>-<j>-…); new rows take the next free number.
   Without script, the empty rows the page adds can be filled in instead. */
(function () {
  "use strict";

  var form = document.getElementById("checklist-form");
  if (!form) return;
  var criterionTemplate = form.querySelector("template[data-criterion-template]");
  var itemTemplate = form.querySelector("template[data-item-template]");
  var criteria = form.querySelector("[data-criterion-rows]");

  function fromTemplate(template, replacements) {
    var html = template.innerHTML;
    Object.keys(replacements).forEach(function (key) {
      html = html.split(key).join(String(replacements[key]));
    });
    var holder = document.createElement("div");
    holder.innerHTML = html.trim();
    return holder.firstElementChild;
  }

  function nextIndex(container, selector, pattern) {
    var highest = -1;
    container.querySelectorAll(selector).forEach(function (input) {
      var match = pattern.exec(input.name);
      if (match) highest = Math.max(highest, parseInt(match[1], 10));
    });
    return highest + 1;
  }

  function addItem(fieldset) {
    var c = fieldset.dataset.index;
    var rows = fieldset.querySelector("[data-item-rows]");
    var pattern = new RegExp("^item-" + c + "-(\\d+)-code$");
    var i = nextIndex(rows, "input[name$='-code']", pattern);
    var row = fromTemplate(itemTemplate, { "__c__": c, "__i__": i });
    rows.appendChild(row);
    var first = row.querySelector("input");
    if (first) first.focus();
  }

  form.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) return;
    if (target.closest("[data-add-item]")) {
      addItem(target.closest("[data-criterion-row]"));
    } else if (target.closest("[data-remove-row]")) {
      target.closest("[data-item-row]").remove();
    } else if (target.closest("[data-remove-criterion]")) {
      target.closest("[data-criterion-row]").remove();
    } else if (target.closest("[data-add-criterion]")) {
      var c = nextIndex(criteria, "input[name^='criterion-']", /^criterion-(\d+)-code$/);
      var fieldset = fromTemplate(criterionTemplate, { "__c__": c });
      criteria.appendChild(fieldset);
      addItem(fieldset);
    }
  });
})();
