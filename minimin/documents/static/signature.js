// The signature pad of the signing page: draw with a mouse, pen or finger; on submit the
// drawing goes into the hidden "drawing" field as a PNG data URL (the server checks it with
// Pillow). Without this script the page still works with a typed name.
(function () {
  "use strict";
  var form = document.getElementById("sign-form");
  if (!form) { return; }
  var pad = form.querySelector(".signature-pad");
  var canvas = form.querySelector(".signature-canvas");
  var hidden = document.getElementById("drawing");
  var clear = form.querySelector(".signature-clear");
  if (!pad || !canvas || !hidden || !canvas.getContext) { return; }
  pad.hidden = false;
  var ctx = canvas.getContext("2d");
  var drawing = false;
  var drawn = false;
  ctx.lineWidth = 2.5;
  ctx.lineCap = "round";
  ctx.strokeStyle = "#111";

  function point(event) {
    var box = canvas.getBoundingClientRect();
    return {
      x: (event.clientX - box.left) * (canvas.width / box.width),
      y: (event.clientY - box.top) * (canvas.height / box.height)
    };
  }
  canvas.addEventListener("pointerdown", function (event) {
    drawing = true;
    canvas.setPointerCapture(event.pointerId);
    var p = point(event);
    ctx.beginPath();
    ctx.moveTo(p.x, p.y);
    event.preventDefault();
  });
  canvas.addEventListener("pointermove", function (event) {
    if (!drawing) { return; }
    var p = point(event);
    ctx.lineTo(p.x, p.y);
    ctx.stroke();
    drawn = true;
  });
  function stop() { drawing = false; }
  canvas.addEventListener("pointerup", stop);
  canvas.addEventListener("pointercancel", stop);
  clear.addEventListener("click", function () {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    drawn = false;
    hidden.value = "";
  });
  form.addEventListener("submit", function () {
    hidden.value = drawn ? canvas.toDataURL("image/png") : "";
  });
})();
