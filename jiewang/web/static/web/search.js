// The search page's filters start folded on a phone (the results come first); open elsewhere.
(function () {
  var box = document.getElementById("search-filters");
  if (box && !box.querySelector(".error") && window.matchMedia && window.matchMedia("(max-width: 640px)").matches) {
    box.removeAttribute("open");
  }
})();
