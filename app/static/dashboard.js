/* The dashboard's year picker and its custom range agree (the page works without this:
   on the server a chosen year wins over the dates). Choosing a year empties the dates;
   choosing "custom range" opens them; typing a date picks "custom range". */
(function () {
  "use strict";
  var form = document.querySelector("form.dash-filters");
  if (!form) { return; }
  var year = form.querySelector('select[name="year"]');
  var more = form.querySelector("details.dash-more");
  var dates = form.querySelectorAll('input[name="from"], input[name="to"]');
  if (!year) { return; }
  year.addEventListener("change", function () {
    if (year.value === "custom") {
      if (more) { more.open = true; }
      return;
    }
    for (var i = 0; i < dates.length; i++) { dates[i].value = ""; }
  });
  for (var j = 0; j < dates.length; j++) {
    dates[j].addEventListener("input", function (event) {
      if (event.target.value) { year.value = "custom"; }
    });
  }
}());
