// Broadcast log: after a refused log the page lands on #broadcasts, where browsers skip
// `autofocus` (the fragment's target wins, and scrolling to it clears the focus); once
// that is done, put the cursor in the field the message names.
window.addEventListener("load", function () {
  var bad = document.querySelector('.broadcast-form [aria-invalid="true"]');
  if (bad) { window.setTimeout(function () { bad.focus({preventScroll: true}); }, 0); }
});
