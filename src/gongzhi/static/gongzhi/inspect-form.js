/* The inspection form: the draft is saved as the inspector types (htmx posts the form
   after a change); whatever is not saved yet when the page is left goes out in a
   beacon, so nothing typed is lost. A refused save (400/403) still shows its reason.
   "Full" fills a scored item with its maximum; the problem category of a finding shows
   only when the finding demands rectification. Without script the buttons save and
   submit the whole form. */
(function () {
  "use strict";

  // Refusals answer a badge saying why: show it rather than dropping it.
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 400 || status === 403) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  function setUpFullButtons(root) {
    root.querySelectorAll("[data-full]").forEach(function (button) {
      button.addEventListener("click", function () {
        var input = document.getElementById(button.dataset.for);
        if (!input) return;
        input.value = button.dataset.full;
        input.dispatchEvent(new Event("change", { bubbles: true }));
      });
    });
  }

  function setUpFindingForm() {
    var form = document.getElementById("finding-form");
    if (!form) return;
    var box = form.querySelector("input[name='finding-demands_rectification']");
    var fields = form.querySelector("[data-rectification-fields]");
    if (!box || !fields) return;
    function toggle() { fields.hidden = !box.checked; }
    box.addEventListener("change", toggle);
    toggle();
  }

  function setUpAutosave(form) {
    var dirty = false;
    form.addEventListener("input", function () { dirty = true; });
    form.addEventListener("change", function () { dirty = true; });
    form.addEventListener("htmx:beforeRequest", function (event) {
      if (event.detail.elt !== form) return;
      dirty = false;
      var status = document.getElementById("save-status");
      if (status) status.setAttribute("aria-busy", "true");
    });
    form.addEventListener("htmx:afterRequest", function (event) {
      if (event.detail.elt !== form) return;
      var status = document.getElementById("save-status");
      if (status) status.removeAttribute("aria-busy");
      if (!event.detail.successful || event.detail.xhr.status !== 200) dirty = true;
    });
    // The buttons post the whole form: nothing is left to send on the way out.
    form.addEventListener("submit", function () { dirty = false; });
    function flush() {
      if (!dirty || !navigator.sendBeacon) return;
      dirty = false;
      navigator.sendBeacon(form.dataset.saveUrl, new FormData(form));
    }
    window.addEventListener("pagehide", flush);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") flush();
    });
  }

  var form = document.getElementById("inspection-form");
  if (form) setUpAutosave(form);
  setUpFullButtons(document);
  setUpFindingForm();
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "findings") setUpFindingForm();
  });
  // The findings section is swapped as a whole: set up the new one.
  document.body.addEventListener("htmx:load", function (event) {
    if (event.detail.elt && event.detail.elt.id === "findings") setUpFindingForm();
  });
})();
