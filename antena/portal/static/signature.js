/* The signature pad of the contract page: pointer events, so a finger on a phone, a pen and a
   mouse all draw. The drawing goes into the hidden "signature" field as a PNG data URL; an empty
   pad keeps the form from being sent (the server refuses an empty signature too). */
(function () {
  "use strict";
  var form = document.getElementById("sign-form");
  var canvas = document.getElementById("signature-pad");
  if (!form || !canvas) { return; }
  var field = form.querySelector("input[name=signature]");
  var clear = document.getElementById("signature-clear");
  var empty = document.getElementById("signature-empty");
  var ctx = canvas.getContext("2d");
  var drawing = false, strokes = 0, last = null;

  function size() {
    var ratio = Math.min(window.devicePixelRatio || 1, 2);
    var box = canvas.getBoundingClientRect();
    canvas.width = Math.round(box.width * ratio);
    canvas.height = Math.round(box.height * ratio);
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.lineWidth = 2.5; ctx.lineCap = "round"; ctx.lineJoin = "round"; ctx.strokeStyle = "#10204a";
    strokes = 0; field.value = "";
  }
  function point(e) {
    var box = canvas.getBoundingClientRect();
    return { x: e.clientX - box.left, y: e.clientY - box.top };
  }
  canvas.addEventListener("pointerdown", function (e) {
    e.preventDefault();
    canvas.setPointerCapture(e.pointerId);
    drawing = true; last = point(e);
    ctx.beginPath(); ctx.arc(last.x, last.y, 1, 0, Math.PI * 2); ctx.fill();
  });
  canvas.addEventListener("pointermove", function (e) {
    if (!drawing) { return; }
    e.preventDefault();
    var p = point(e);
    ctx.beginPath(); ctx.moveTo(last.x, last.y); ctx.lineTo(p.x, p.y); ctx.stroke();
    last = p; strokes += 1;
  });
  function stop() {
    if (!drawing) { return; }
    drawing = false;
    if (strokes > 0) { field.value = canvas.toDataURL("image/png"); empty.hidden = true; }
  }
  canvas.addEventListener("pointerup", stop);
  canvas.addEventListener("pointercancel", stop);
  canvas.addEventListener("pointerleave", stop);
  clear.addEventListener("click", function () { ctx.clearRect(0, 0, canvas.width, canvas.height); strokes = 0; field.value = ""; });
  form.addEventListener("submit", function (e) {
    if (!field.value) { e.preventDefault(); empty.hidden = false; canvas.scrollIntoView({ block: "center" }); }
  });
  size();
  window.addEventListener("resize", function () { if (!field.value) { size(); } });
})();
