/* The report form: an anonymous report keeps no name or phone, and the chosen
   category's extra questions are shown (a disabled group is not sent). */
(function () {
  "use strict";

  function setUpAnonymous(anonymous) {
    var fields = ["id_reporter_name", "id_reporter_phone"]
      .map(function (id) { return document.getElementById(id); })
      .filter(Boolean);
    function toggle() {
      fields.forEach(function (field) { field.disabled = anonymous.checked; });
    }
    anonymous.addEventListener("change", toggle);
    toggle();
  }

  function setUpQuestions(container) {
    var select = document.getElementById(container.dataset.categoryInput);
    if (!select) return;
    function showChosen() {
      container.querySelectorAll("fieldset[data-category]").forEach(function (group) {
        var chosen = group.dataset.category === select.value;
        group.hidden = !chosen;
        group.disabled = !chosen;
      });
    }
    select.addEventListener("change", showChosen);
    showChosen();
  }

  function init() {
    var anonymous = document.getElementById("id_reporter_anonymous");
    if (anonymous) setUpAnonymous(anonymous);
    document.querySelectorAll("[data-extra-questions]").forEach(setUpQuestions);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
