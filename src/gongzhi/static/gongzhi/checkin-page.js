// Check-in and check-out: read the phone's location into the form's hidden fields, then send it.
// Forms marked data-geolocate carry their messages (in the page's language) as data attributes.
(function () {
  "use strict";

  function say(form, key) {
    var status = form.querySelector("[data-geo-status]");
    if (status) status.textContent = form.dataset[key] || "";
  }

  function locateThenSubmit(event) {
    var form = event.currentTarget;
    if (form.dataset.located === "1") return;
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    if (!navigator.geolocation) {
      say(form, "msgUnsupported");
      return;
    }
    if (button) button.disabled = true;
    say(form, "msgLocating");
    navigator.geolocation.getCurrentPosition(
      function (position) {
        form.elements.lat.value = position.coords.latitude;
        form.elements.lng.value = position.coords.longitude;
        form.elements.accuracy.value = Math.round(position.coords.accuracy || 0);
        form.dataset.located = "1";
        form.submit();
      },
      function (error) {
        if (button) button.disabled = false;
        say(form, error.code === 1 ? "msgDenied" : "msgFailed");
      },
      { enableHighAccuracy: true, timeout: 20000, maximumAge: 0 }
    );
  }

  document.querySelectorAll("form[data-geolocate]").forEach(function (form) {
    form.addEventListener("submit", locateThenSubmit);
  });

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
