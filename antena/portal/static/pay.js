/* The payment page asks every few seconds whether a payment arrived (a small JSON endpoint) and
   reloads when it did. Without scripts the page's meta refresh does the same, only slower. */
(function () {
  "use strict";
  var box = document.getElementById("pay-state");
  if (!box || !window.fetch) { return; }
  var stamp = box.getAttribute("data-stamp");
  var url = box.getAttribute("data-url");
  var every = parseInt(box.getAttribute("data-poll-ms"), 10) || 2000;
  function later() { window.setTimeout(poll, every); }
  function poll() {
    fetch(url, {credentials: "same-origin", cache: "no-store"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (d) { if (d && d.stamp !== stamp) { window.location.reload(); } else { later(); } })
      .catch(later);
  }
  later();
})();
