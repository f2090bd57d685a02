/* Round pages: ask before replacing an assignment or closing a round with drafts;
   on the assignment page, mark a row whose group choice changed. */
(function () {
  "use strict";
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var question = form.getAttribute("data-confirm");
      if (question && !window.confirm(question)) {
        event.preventDefault();
      }
    });
  });
  document.querySelectorAll("select[data-current]").forEach(function (select) {
    select.addEventListener("change", function () {
      var row = select.closest("tr");
      if (row) {
        row.classList.toggle("table-warning", select.value !== select.getAttribute("data-current"));
      }
    });
  });
})();
