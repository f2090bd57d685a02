/* The problem ledger's maps (Leaflet; tiles only when the page gives a tile URL):
   - .map[data-problems-geojson]: the ledger's problems, clustered, coloured by state;
   - .map[data-problem-point]: one problem's place and its community's outline;
   - .map[data-pick]: the report form's pin, written into the lat/lng inputs.
   Text comes translated from the page's data attributes; popups are built as DOM
   nodes, never from HTML strings. */
(function () {
  "use strict";

  var CITY_CENTRE = [31.69, 113.38];

  function readJson(id) {
    var node = id && document.getElementById(id);
    if (!node) return null;
    try {
      return JSON.parse(node.textContent);
    } catch (e) {
      return null;
    }
  }

  function baseMap(element) {
    var tileUrl = element.dataset.tileUrl;
    // Clustering needs a maxZoom even when no tile layer brings one.
    var map = L.map(element, {
      attributionControl: Boolean(tileUrl), zoomControl: false, zoomSnap: 0.25, maxZoom: 19,
    });
    L.control
      .zoom({ zoomInTitle: element.dataset.zoomIn || "+", zoomOutTitle: element.dataset.zoomOut || "-" })
      .addTo(map);
    if (tileUrl) {
      L.tileLayer(tileUrl, { attribution: element.dataset.tileAttribution || "", maxZoom: 19 }).addTo(map);
    }
    return map;
  }

  function outlineLayer(geometry, style) {
    if (!geometry || geometry.type !== "Polygon" || !Array.isArray(geometry.coordinates)) return null;
    // GeoJSON positions are [lng, lat]; Leaflet wants [lat, lng].
    var rings = geometry.coordinates.map(function (ring) {
      return ring.map(function (p) { return [p[1], p[0]]; });
    });
    return L.polygon(rings, style);
  }

  function showNote(name) {
    var note = document.querySelector('[data-map-note="' + name + '"]');
    if (note) note.classList.remove("d-none");
  }

  function popup(properties, openLabel) {
    var box = document.createElement("div");
    var title = document.createElement("div");
    title.className = "fw-semibold";
    title.textContent = properties.number + " " + (properties.title || "");
    var state = document.createElement("div");
    state.textContent = properties.state_label || properties.state;
    var link = document.createElement("a");
    link.href = properties.url;
    link.textContent = openLabel || properties.number;
    box.appendChild(title);
    box.appendChild(state);
    box.appendChild(link);
    return box;
  }

  function markerIcon(properties) {
    var state = String(properties.state || "").replace(/[^a-z_]/g, "");
    return L.divIcon({
      className: "problem-marker problem-state-" + state + (properties.overdue ? " overdue" : ""),
      iconSize: [16, 16],
    });
  }

  function ledgerMap(element) {
    var map = baseMap(element);
    map.setView(CITY_CENTRE, 11);
    var layer = typeof L.markerClusterGroup === "function"
      ? L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 50 })
      : L.featureGroup();
    layer.addTo(map);
    fetch(element.dataset.problemsGeojson, {
      credentials: "same-origin",
      headers: { Accept: "application/geo+json" },
    })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (collection) {
        var features = collection.features || [];
        features.forEach(function (feature) {
          var c = feature.geometry.coordinates;
          var marker = L.marker([c[1], c[0]], { icon: markerIcon(feature.properties) });
          marker.bindPopup(popup(feature.properties, element.dataset.openLabel));
          layer.addLayer(marker);
        });
        if (features.length) {
          map.fitBounds(layer.getBounds(), { padding: [24, 24], maxZoom: 16 });
        } else {
          showNote("empty");
        }
        if (collection.capped) showNote("capped");
        element.dataset.ready = "true";
        element.dataset.count = String(features.length);
      })
      .catch(function () {
        showNote("error");
        element.dataset.ready = "error";
      });
  }

  function pointMap(element) {
    var map = baseMap(element);
    var lat = parseFloat(element.dataset.lat);
    var lng = parseFloat(element.dataset.lng);
    var outline = outlineLayer(readJson(element.dataset.outline), {
      color: "#b22222", weight: 1.5, fillOpacity: 0.08, interactive: false,
    });
    if (outline) outline.addTo(map);
    map.setView([lat, lng], 16);
    L.circleMarker([lat, lng], {
      radius: 8, color: "#fff", weight: 2, fillColor: element.dataset.colour || "#b22222", fillOpacity: 1,
    }).addTo(map);
    element.dataset.ready = "true";
  }

  function pickMap(element) {
    var map = baseMap(element);
    var latInput = document.getElementById(element.dataset.latInput);
    var lngInput = document.getElementById(element.dataset.lngInput);
    var text = document.querySelector('[data-pin-text="' + element.id + '"]');
    var outlines = L.featureGroup().addTo(map);
    (readJson(element.dataset.outlines) || []).forEach(function (item) {
      var layer = outlineLayer(item.outline, { color: "#b22222", weight: 1.5, fillOpacity: 0.05, interactive: false });
      if (layer) layer.addTo(outlines);
    });
    var pin = null;

    function say(message) {
      if (text) text.textContent = message || "";
    }

    function announce() {
      // The duplicate suggestions listen to changes of the form.
      latInput.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function place(lat, lng, changed) {
      if (pin) {
        pin.setLatLng([lat, lng]);
      } else {
        pin = L.circleMarker([lat, lng], { radius: 8, color: "#fff", weight: 2, fillColor: "#b22222", fillOpacity: 1 }).addTo(map);
      }
      latInput.value = lat.toFixed(6);
      lngInput.value = lng.toFixed(6);
      say(latInput.value + ", " + lngInput.value);
      if (changed) announce();
    }

    function clear() {
      if (pin) map.removeLayer(pin);
      pin = null;
      latInput.value = "";
      lngInput.value = "";
      say(text && text.dataset.empty);
      announce();
    }

    var lat = parseFloat(latInput.value);
    var lng = parseFloat(lngInput.value);
    if (!isNaN(lat) && !isNaN(lng)) {
      map.setView([lat, lng], 16);
      place(lat, lng, false);
    } else {
      if (outlines.getLayers().length) {
        map.fitBounds(outlines.getBounds(), { padding: [16, 16] });
      } else {
        map.setView(CITY_CENTRE, 12);
      }
      say(text && text.dataset.empty);
    }
    map.on("click", function (event) { place(event.latlng.lat, event.latlng.lng, true); });

    var locate = document.querySelector('[data-locate="' + element.id + '"]');
    if (locate) {
      if (!navigator.geolocation) locate.disabled = true;
      locate.addEventListener("click", function () {
        say(text && text.dataset.locating);
        navigator.geolocation.getCurrentPosition(
          function (position) {
            place(position.coords.latitude, position.coords.longitude, true);
            map.setView([position.coords.latitude, position.coords.longitude], 17);
          },
          function () { say(text && text.dataset.unavailable); },
          { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 }
        );
      });
    }
    var remove = document.querySelector('[data-clear-pin="' + element.id + '"]');
    if (remove) remove.addEventListener("click", clear);
    element.dataset.ready = "true";
  }

  function init() {
    if (typeof L === "undefined") return;
    document.querySelectorAll(".map[data-problems-geojson]").forEach(ledgerMap);
    document.querySelectorAll(".map[data-problem-point]").forEach(pointMap);
    document.querySelectorAll(".map[data-pick]").forEach(pickMap);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
