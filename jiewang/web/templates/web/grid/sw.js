/* Jiewang service worker (version {{ version }}), served at /sw.js (scope: the whole site).
   - precache: the app shell's static files; pages of the grid app are cached when fetched
     (network first, so a signed-in worker always gets fresh pages when there is signal);
   - navigations without signal: the cached page, else the offline page;
   - /static/: cache first (refreshed in the background);
   - the API is never cached; queued reports are sent by offline-queue.js (Background Sync). */
"use strict";
var VERSION = "{{ version }}";
var STATIC_CACHE = "jw-static-" + VERSION, PAGE_CACHE = "jw-pages-" + VERSION;
var STATIC_URLS = {{ static_urls|safe }};
var PAGE_URLS = {{ page_urls|safe }};
var OFFLINE_URL = {{ offline_url|safe }};
var STATIC_PREFIX = {{ static_prefix|safe }};
importScripts({{ queue_url|safe }});

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(STATIC_CACHE).then(function (cache) {
    return cache.addAll(STATIC_URLS.concat([OFFLINE_URL])).then(function () {
      // The grid pages need a session: keep each one only if it came back as itself (not a
      // redirect to the login page).
      return caches.open(PAGE_CACHE).then(function (pages) {
        return Promise.all(PAGE_URLS.map(function (url) {
          return fetch(url, {credentials: "same-origin", redirect: "follow"}).then(function (resp) {
            if (resp.ok && !resp.redirected) return pages.put(url, resp);
          }).catch(function () {});
        }));
      });
    });
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) {
      return k.indexOf("jw-") === 0 && k !== STATIC_CACHE && k !== PAGE_CACHE;
    }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

function isShellPage(url) {
  return PAGE_URLS.indexOf(url.pathname) !== -1;
}

self.addEventListener("fetch", function (event) {
  var req = event.request;
  if (req.method !== "GET") return;
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (req.mode === "navigate") {
    event.respondWith(fetch(req).then(function (resp) {
      if (isShellPage(url) && resp.ok && !resp.redirected) {
        var copy = resp.clone();
        caches.open(PAGE_CACHE).then(function (c) { c.put(url.pathname, copy); });
      }
      return resp;
    }).catch(function () {
      return caches.match(url.pathname, {cacheName: PAGE_CACHE}).then(function (hit) {
        return hit || caches.match(OFFLINE_URL);
      });
    }));
    return;
  }
  if (url.pathname.indexOf(STATIC_PREFIX) === 0) {
    event.respondWith(caches.match(req).then(function (hit) {
      var net = fetch(req).then(function (resp) {
        if (resp.ok) { var copy = resp.clone(); caches.open(STATIC_CACHE).then(function (c) { c.put(req, copy); }); }
        return resp;
      });
      if (hit) { net.catch(function () {}); return hit; }
      return net;
    }));
  }
});

function tellClients(msg) {
  return self.clients.matchAll({type: "window"}).then(function (list) {
    list.forEach(function (c) { c.postMessage(msg); });
  });
}

self.addEventListener("sync", function (event) {
  if (event.tag !== self.JWQueue.SYNC_TAG) return;
  event.waitUntil(self.JWQueue.flush().then(function (r) {
    return tellClients({type: "outbox", result: r}).then(function () {
      if (r.stopped) throw new Error("outbox not sent: " + r.stopped);  // the browser retries later
    });
  }));
});

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type === "forget-pages") {  // signing out: no page of this user stays on the phone
    event.waitUntil(caches.delete(PAGE_CACHE));
  } else if (data.type === "cache-pages") {
    event.waitUntil(caches.open(PAGE_CACHE).then(function (pages) {
      return Promise.all(PAGE_URLS.map(function (url) {
        return fetch(url, {credentials: "same-origin"}).then(function (resp) {
          if (resp.ok && !resp.redirected) return pages.put(url, resp);
        }).catch(function () {});
      }));
    }));
  }
});
