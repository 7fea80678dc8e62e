// Installing Minimin on a phone: registers the service worker (static/js/service-worker.js),
// tells it to forget the kept dashboard on sign-out, and shows the "offline" banner on a
// dashboard it served from its cache. Pages work the same without this file.
(function () {
  "use strict";
  if (!("serviceWorker" in navigator)) { return; }
  var script = document.currentScript;
  var workerUrl = script.getAttribute("data-worker");
  var signOutPaths = (script.getAttribute("data-sign-out") || "").split(" ");

  navigator.serviceWorker.register(workerUrl, { scope: "/" }).catch(function () {
    // No worker (private window, blocked storage): the site simply stays online-only.
  });

  // Forget the dashboard before the sign-out form leaves, so that it is gone even if the
  // answer never arrives. The worker also forgets it when it sees the sign-out request.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var action = form.getAttribute && form.getAttribute("action");
    if (!action || form.method.toLowerCase() !== "post") { return; }
    var path = new URL(action, window.location.href).pathname;
    if (signOutPaths.indexOf(path) !== -1 && navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage({ type: "signed-out" });
    }
  });

  // The worker adds this meta tag only to a dashboard it answered from its cache.
  function showOfflineBanner() {
    var saved = document.querySelector('meta[name="minimin-saved-at"]');
    if (!saved) { return; }
    var when = new Date(saved.getAttribute("content"));
    var label = isNaN(when.getTime()) ? "" : when.toLocaleString(document.documentElement.lang || undefined, {
      day: "numeric", month: "short", hour: "2-digit", minute: "2-digit"
    });
    var banner = document.createElement("p");
    banner.className = "flash flash-warning offline-banner";
    banner.setAttribute("role", "status");
    banner.textContent = (script.getAttribute("data-offline-text") || "").replace("{time}", label);
    var main = document.getElementById("main");
    if (main) { main.insertBefore(banner, main.firstChild); }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", showOfflineBanner);
  } else {
    showOfflineBanner();
  }
})();
