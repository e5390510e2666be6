/* Leaflet's own zoom buttons speak the page's language: the titles come from the script tag's
   data attributes (gettext in templates/web/_leaflet.html) and become the defaults of every zoom
   control created afterwards. */
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me || !window.L || !window.L.Control || !window.L.Control.Zoom) { return; }
  var opts = {};
  if (me.getAttribute("data-zoom-in")) { opts.zoomInTitle = me.getAttribute("data-zoom-in"); }
  if (me.getAttribute("data-zoom-out")) { opts.zoomOutTitle = me.getAttribute("data-zoom-out"); }
  window.L.Control.Zoom.mergeOptions(opts);
})();
