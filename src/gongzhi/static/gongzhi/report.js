/* The public report page: place a pin on a Leaflet map (or use the phone's
   location), see which community it falls in, preview photos, answer the
   chosen kind's extra questions; and the "copy the link" button of the
   receipt page.

   Everything works without this script: the community select and the form
   are plain HTML (the extra questions then show once the form comes back). Texts come translated from data-* attributes of the page.
   Tiles are added only when the page gives a tile URL; without one the
   community outlines are drawn on the map's plain background. */
(function () {
  "use strict";

  var DEFAULT_VIEW = [31.69, 113.38]; // used only when no community has a centre
  var OUTLINE_MIN_ZOOM = 11; // wider views hold too many communities (the server sends none)

  function show(el) { if (el) el.classList.remove("d-none"); }
  function hide(el) { if (el) el.classList.add("d-none"); }

  // --- point in polygon (GeoJSON rings are [lng, lat]) ---------------------------------
  function inRing(lng, lat, ring) {
    var inside = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
      if ((yi > lat) !== (yj > lat) && lng < xi + ((lat - yi) * (xj - xi)) / (yj - yi)) {
        inside = !inside;
      }
    }
    return inside;
  }

  function polygonsOf(geometry) {
    if (!geometry) return [];
    if (geometry.type === "Polygon") return [geometry.coordinates];
    if (geometry.type === "MultiPolygon") return geometry.coordinates;
    return [];
  }

  function contains(geometry, lat, lng) {
    return polygonsOf(geometry).some(function (rings) {
      if (!rings.length || !inRing(lng, lat, rings[0])) return false;
      return !rings.slice(1).some(function (hole) { return inRing(lng, lat, hole); });
    });
  }

  // --- the map ---------------------------------------------------------------------------
  function setUpMap(element, form) {
    if (typeof L === "undefined") return;
    var latInput = form.querySelector("input[name=lat]");
    var lngInput = form.querySelector("input[name=lng]");
    var status = document.getElementById("pin-status");
    var clear = document.getElementById("clear-pin");
    var locate = document.getElementById("locate-button");
    var tileUrl = element.dataset.tileUrl;

    var map = L.map(element, { attributionControl: Boolean(tileUrl), zoomControl: false });
    L.control
      .zoom({ zoomInTitle: element.dataset.zoomIn || "+", zoomOutTitle: element.dataset.zoomOut || "-" })
      .addTo(map);
    if (tileUrl) {
      L.tileLayer(tileUrl, { attribution: element.dataset.tileAttribution || "", maxZoom: 19 }).addTo(map);
    }

    var extent = (element.dataset.extent || "").split(",").map(parseFloat);
    if (extent.length === 4 && extent.every(function (v) { return !isNaN(v); })) {
      map.fitBounds([[extent[0], extent[1]], [extent[2], extent[3]]], { padding: [16, 16], maxZoom: 15 });
    } else {
      map.setView(DEFAULT_VIEW, 12);
    }

    // Community outlines around the view, fetched as the map moves.
    var outlines = {}; // code -> {name, geometry}
    var outlineLayer = L.layerGroup().addTo(map);
    var pending = null;

    function loadOutlines() {
      if (map.getZoom() < OUTLINE_MIN_ZOOM || !element.dataset.outlinesUrl) return;
      var b = map.getBounds();
      var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(5); }).join(",");
      if (pending) pending.abort();
      pending = typeof AbortController === "undefined" ? null : new AbortController();
      fetch(element.dataset.outlinesUrl + "?bbox=" + bbox, pending ? { signal: pending.signal } : {})
        .then(function (r) { return r.ok ? r.json() : { features: [] }; })
        .then(function (data) {
          (data.features || []).forEach(function (f) {
            var code = f.properties && f.properties.code;
            if (!code || outlines[code]) return;
            outlines[code] = { name: f.properties.name, geometry: f.geometry };
            L.geoJSON(f.geometry, {
              interactive: false,
              style: { color: "#b22222", weight: 2, fillOpacity: 0.08 },
            }).addTo(outlineLayer);
          });
          describePin();
        })
        .catch(function () { /* outlines are a help, not a need */ });
    }
    map.on("moveend", loadOutlines);

    var marker = null;

    function communityAt(lat, lng) {
      for (var code in outlines) {
        if (Object.prototype.hasOwnProperty.call(outlines, code) && contains(outlines[code].geometry, lat, lng)) {
          return outlines[code].name;
        }
      }
      return null;
    }

    function describePin() {
      if (!status) return;
      show(status);
      if (!marker) {
        status.textContent = status.dataset.empty;
        status.className = "small mb-1 text-muted";
        return;
      }
      var p = marker.getLatLng();
      var name = communityAt(p.lat, p.lng);
      if (name) {
        status.textContent = status.dataset.inside + " " + name;
        status.className = "small mb-1 text-success fw-semibold";
      } else if (Object.keys(outlines).length) {
        status.textContent = status.dataset.outside;
        status.className = "small mb-1 text-warning-emphasis";
      } else {
        status.textContent = status.dataset.placed;
        status.className = "small mb-1";
      }
    }

    function placePin(latlng, pan) {
      latInput.value = latlng.lat.toFixed(6);
      lngInput.value = latlng.lng.toFixed(6);
      if (marker) {
        marker.setLatLng(latlng);
      } else {
        marker = L.marker(latlng, { draggable: true, autoPan: true, keyboard: true }).addTo(map);
        marker.on("dragend", function () { placePin(marker.getLatLng(), false); });
      }
      show(clear);
      if (pan) map.setView(latlng, Math.max(map.getZoom(), 16));
      describePin();
    }

    map.on("click", function (e) { placePin(e.latlng, false); });

    if (clear) {
      clear.addEventListener("click", function () {
        if (marker) map.removeLayer(marker);
        marker = null;
        latInput.value = "";
        lngInput.value = "";
        hide(clear);
        describePin();
      });
    }

    if (locate && navigator.geolocation) {
      show(locate);
      var label = locate.textContent;
      locate.addEventListener("click", function () {
        locate.disabled = true;
        locate.textContent = locate.dataset.locating;
        navigator.geolocation.getCurrentPosition(
          function (position) {
            locate.disabled = false;
            locate.textContent = label;
            placePin(L.latLng(position.coords.latitude, position.coords.longitude), true);
          },
          function () {
            locate.disabled = false;
            locate.textContent = label;
            show(status);
            status.textContent = locate.dataset.failed;
            status.className = "small mb-1 text-danger";
          },
          { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
        );
      });
    }

    // A form sent back with errors keeps its pin.
    var lat = parseFloat(latInput.value);
    var lng = parseFloat(lngInput.value);
    if (!isNaN(lat) && !isNaN(lng)) {
      placePin(L.latLng(lat, lng), true);
    } else {
      describePin();
    }
    loadOutlines();
    element.dataset.ready = "true";
  }

  // --- photos ----------------------------------------------------------------------------
  function setUpPhotos(input) {
    var previews = document.getElementById("photo-previews");
    if (!input || !previews || !window.URL) return;
    input.addEventListener("change", function () {
      previews.textContent = "";
      var files = Array.prototype.slice.call(input.files || []);
      var max = parseInt(input.dataset.max, 10) || 9;
      input.setCustomValidity(files.length > max ? input.dataset.tooMany : "");
      if (files.length > max) {
        var warning = document.createElement("div");
        warning.className = "text-danger small w-100";
        warning.textContent = input.dataset.tooMany;
        previews.appendChild(warning);
      }
      files.slice(0, max).forEach(function (file) {
        if (!/^image\//.test(file.type)) return;
        var img = document.createElement("img");
        img.className = "photo-preview";
        img.alt = file.name;
        img.src = URL.createObjectURL(file);
        img.onload = function () { URL.revokeObjectURL(img.src); };
        previews.appendChild(img);
      });
    });
  }

  // --- the chosen kind's extra questions (a disabled group is not sent) ----------------
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

  // --- sending once ----------------------------------------------------------------------
  function setUpSubmit(form) {
    form.addEventListener("submit", function (e) {
      var photos = form.querySelector("input[name=photos]");
      if (photos && photos.validationMessage) {
        e.preventDefault();
        photos.focus();
        return;
      }
      var button = form.querySelector("button[type=submit]");
      if (button) {
        // After the submit has started, so the button's own value still goes along.
        setTimeout(function () {
          button.disabled = true;
          button.textContent = form.dataset.sending || button.textContent;
        }, 0);
      }
    });
  }

  // --- the receipt's copy button --------------------------------------------------------------
  function setUpCopy(button) {
    if (!navigator.clipboard) return;
    show(button);
    var label = button.textContent;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(button.dataset.copy).then(
        function () { button.textContent = button.dataset.copied; },
        function () { button.textContent = button.dataset.copyFailed; }
      );
      setTimeout(function () { button.textContent = label; }, 4000);
    });
  }

  function init() {
    var form = document.getElementById("report-form");
    var mapElement = document.getElementById("report-map");
    if (form) {
      if (mapElement) setUpMap(mapElement, form);
      setUpPhotos(form.querySelector("input[name=photos]"));
      form.querySelectorAll("[data-extra-questions]").forEach(setUpQuestions);
      setUpSubmit(form);
    }
    document.querySelectorAll("button[data-copy]").forEach(setUpCopy);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
