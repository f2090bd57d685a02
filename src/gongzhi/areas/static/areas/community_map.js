/* Draws a community's outline (GeoJSON Polygon from a json_script tag) on a Leaflet map.
   Tiles are added only when the page gives a tile URL; without one the outline
   is drawn on the map's plain background. */
(function () {
  "use strict";

  function readJson(id) {
    var node = id && document.getElementById(id);
    if (!node) return null;
    try {
      return JSON.parse(node.textContent);
    } catch (e) {
      return null;
    }
  }

  function draw(element) {
    if (typeof L === "undefined") return;
    var outline = readJson(element.dataset.outline);
    var tileUrl = element.dataset.tileUrl;
    var map = L.map(element, {
      attributionControl: Boolean(tileUrl),
      zoomControl: false,
      zoomSnap: 0.25,
    });
    // The zoom buttons' titles come translated from the page.
    L.control
      .zoom({
        zoomInTitle: element.dataset.zoomIn || "+",
        zoomOutTitle: element.dataset.zoomOut || "-",
      })
      .addTo(map);
    if (tileUrl) {
      L.tileLayer(tileUrl, {
        attribution: element.dataset.tileAttribution || "",
        maxZoom: 19,
      }).addTo(map);
    }
    var lat = parseFloat(element.dataset.lat);
    var lng = parseFloat(element.dataset.lng);
    if (outline && outline.type === "Polygon" && Array.isArray(outline.coordinates)) {
      // GeoJSON positions are [lng, lat]; Leaflet wants [lat, lng].
      var rings = outline.coordinates.map(function (ring) {
        return ring.map(function (p) { return [p[1], p[0]]; });
      });
      var polygon = L.polygon(rings, { color: "#b22222", weight: 2, fillOpacity: 0.15 }).addTo(map);
      map.fitBounds(polygon.getBounds(), { padding: [16, 16] });
    } else if (!isNaN(lat) && !isNaN(lng)) {
      map.setView([lat, lng], 15);
    } else {
      map.setView([31.69, 113.38], 11);
    }
    if (!isNaN(lat) && !isNaN(lng)) {
      L.circleMarker([lat, lng], { radius: 4, color: "#b22222", fillOpacity: 1, interactive: false }).addTo(map);
    }
    element.dataset.ready = "true";
  }

  function init() {
    document.querySelectorAll(".map[data-outline]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
