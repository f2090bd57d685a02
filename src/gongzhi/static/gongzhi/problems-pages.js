/* The report form: an anonymous report keeps no name or phone. */
(function () {
  "use strict";

  function init() {
    var anonymous = document.getElementById("id_reporter_anonymous");
    if (!anonymous) return;
    var fields = ["id_reporter_name", "id_reporter_phone"]
      .map(function (id) { return document.getElementById(id); })
      .filter(Boolean);
    function toggle() {
      fields.forEach(function (field) { field.disabled = anonymous.checked; });
    }
    anonymous.addEventListener("change", toggle);
    toggle();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
