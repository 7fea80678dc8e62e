// Minimin's service worker: the app shell offline, and the last dashboard seen while signed in.
// Served by minimin/pages/pwa.py from the site root, which fills in SHELL and VERSION.
// It keeps nothing else: no form answer (POST), no API answer, no download, no other page.
"use strict";

var SHELL = __SHELL__;
var VERSION = __VERSION__;
var OFFLINE_URL = __OFFLINE_URL__;
var SIGN_OUT_PATHS = __SIGN_OUT_PATHS__;
var SHELL_CACHE = "minimin-shell-" + VERSION;
// The one page kept at run time. Its name never changes, so sign-out always finds it.
var DASHBOARD_CACHE = "minimin-dashboard";
var DASHBOARD_PATH = "/";
// The server marks the dashboard it rendered for a signed-in user (pwa.py); any other answer
// at "/" (the public home after sign-out or an expired session) drops the kept copy.
var DASHBOARD_MARK = "X-Minimin-Offline";
var SAVED_AT = "X-Minimin-Saved-At";

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(SHELL_CACHE).then(function (cache) {
      // Without cookies: the shell is the same for everyone and must hold nobody's page.
      return cache.addAll(SHELL.map(function (url) {
        return new Request(url, { credentials: "omit" });
      }));
    }).then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("minimin-shell-") === 0 && name !== SHELL_CACHE;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function forgetDashboard() {
  return caches.delete(DASHBOARD_CACHE);
}

// The page says so before it posts the sign-out form (static/js/pwa.js).
self.addEventListener("message", function (event) {
  if (event.data && event.data.type === "signed-out") {
    event.waitUntil(forgetDashboard());
  }
});

function keepDashboard(response) {
  var headers = new Headers(response.headers);
  headers.set(SAVED_AT, new Date().toISOString());
  // The body kept is already decoded, and grows by a meta tag when it is served.
  headers.delete("Content-Encoding");
  headers.delete("Content-Length");
  return response.blob().then(function (body) {
    return caches.open(DASHBOARD_CACHE).then(function (cache) {
      return cache.put(DASHBOARD_PATH, new Response(body, {
        status: response.status, statusText: response.statusText, headers: headers
      }));
    });
  });
}

// The kept dashboard, with the time it was saved in a meta tag the page script turns into the
// "offline" banner.
function keptDashboard() {
  return caches.open(DASHBOARD_CACHE).then(function (cache) {
    return cache.match(DASHBOARD_PATH);
  }).then(function (kept) {
    if (!kept) { return null; }
    var saved = kept.headers.get(SAVED_AT) || "";
    return kept.text().then(function (html) {
      var meta = '<meta name="minimin-saved-at" content="' + saved.replace(/[^0-9TZ:.\-]/g, "") + '">';
      return new Response(html.replace("<head>", "<head>" + meta), {
        status: 200, headers: kept.headers
      });
    });
  });
}

function offlinePage() {
  return caches.match(OFFLINE_URL).then(function (page) {
    return page || Response.error();
  });
}

function navigate(event, url) {
  return fetch(event.request).then(function (response) {
    if (url.pathname === DASHBOARD_PATH && !url.search) {
      var isDashboard = response.ok && response.headers.get(DASHBOARD_MARK) === "dashboard";
      event.waitUntil(isDashboard ? keepDashboard(response.clone()) : forgetDashboard());
    }
    return response;
  }).catch(function () {
    var fallback = url.pathname === DASHBOARD_PATH ? keptDashboard() : Promise.resolve(null);
    return fallback.then(function (page) { return page || offlinePage(); });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.method !== "GET") {
    // Signing out (or deleting the account) forgets the dashboard even without the page script.
    if (SIGN_OUT_PATHS.indexOf(url.pathname) !== -1) { event.waitUntil(forgetDashboard()); }
    return;  // the network answers, and nothing is kept
  }
  if (request.mode === "navigate") {
    event.respondWith(navigate(event, url));
    return;
  }
  if (SHELL.indexOf(url.pathname) !== -1) {
    event.respondWith(caches.match(url.pathname).then(function (hit) {
      return hit || fetch(request);
    }));
  }
  // Everything else (API, downloads, images of documents) goes to the network untouched.
});
