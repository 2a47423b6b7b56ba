/* Search page, progressive enhancement only (the page works without it):
   - the "Filters" panel is open beside the results on wide screens and folded into
     one control on a phone, where the results come first;
   - changing the sort applies it at once (without JS the Search button does). */
(function () {
  "use strict";
  var WIDE = "(min-width: 48rem)";   // the same break as .search-layout in kho.css

  function fitFilters(panel) {
    var wide = window.matchMedia(WIDE);
    function fit() { panel.open = wide.matches; }
    panel.classList.add("fitted");     // CSS hides the toggle on wide screens now
    fit();
    if (wide.addEventListener) { wide.addEventListener("change", fit); }
  }

  function applySortOnChange(select) {
    var form = select.form;
    if (!form) { return; }
    select.addEventListener("change", function () {
      if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
    });
  }

  var panel = document.querySelector('[data-role="filters"]');
  if (panel) { fitFilters(panel); }
  var sort = document.querySelector('[data-role="search-form"] [data-role="sort"]');
  if (sort) { applySortOnChange(sort); }
})();
