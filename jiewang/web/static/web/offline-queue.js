/* The grid worker's outbox: reports wait in IndexedDB until they reach the server.

   Shared by the pages (grid.js) and the service worker (importScripts), so it touches neither
   `document` nor `window` except where guarded.

   Protocol (see jiewang/web/grid/__init__ docs and docs/web.md):
   - every report goes through the outbox, online or not: {key, payload, photo (Blob|null),
     number, photoDone, error, created}; `key` is the report's idempotency key, a UUID made when
     the report was started, and the record's primary key (adding the same report twice keeps one);
   - flush() sends the oldest first: POST /api/events (JSON, idempotency_key = key) → 201 (new) or
     200 (the server already has it: the first event is returned), then the photo to
     POST /api/events/{number}/photos (the server stores the same picture once), then deletes it;
   - the CSRF token is read from the `csrftoken` cookie at send time (document.cookie in a page,
     cookieStore in the service worker);
   - a network error, 5xx, 401/403 (signed out, or the token changed) or 429 stops the flush and
     keeps the report; another 4xx is a refusal: the report stays, marked with the server's message,
     until the worker sends it again or discards it;
   - flushes are serialised with the Web Locks API where present; without it a duplicate send is
     still harmless (same key → same event);
   - other writes made without signal use the same outbox as generic items (addPost): {key,
     kind: "post", url, payload, label, photo}: POSTed as JSON (as multipart with the photo, when
     there is one, or `form` is set) in the same order and under the same rules; 200/201 removes the item. Their
     endpoint must be idempotent by an id inside the payload (a patrol's track batches carry
     batch_id, its check-ins client_id: see jiewang/patrols). A report may name its own `url`
     (a visit's event: /api/patrols/visits/{id}/event), answered like POST /api/events;
   - an item may depend on an earlier one that creates the row it writes to (a patrol started
     without signal, then its track, check-ins and end): the earlier item is added with
     {ref: true}, the later ones with {after: <its key>} and a url holding "{id}". When the earlier
     item is answered, the `id` of its answer is kept in the "refs" store and written into the url of
     the items waiting for it; until then they wait (neither sent nor refused). Discarding the
     earlier item discards the items waiting for it. */
(function (g) {
  "use strict";
  var DB_NAME = "jiewang-outbox", STORE = "reports", REFS = "refs", LOCK = "jiewang-outbox";
  var REF_DAYS = 14;  // ids of rows created from the outbox are kept this long
  var API = "/api/events";
  var dbPromise = null;

  function openDb() {
    if (dbPromise) return dbPromise;
    dbPromise = new Promise(function (resolve, reject) {
      var req = g.indexedDB.open(DB_NAME, 2);
      req.onupgradeneeded = function () {
        var db = req.result;
        if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE, {keyPath: "key"});
        if (!db.objectStoreNames.contains(REFS)) db.createObjectStore(REFS, {keyPath: "key"});
      };
      req.onsuccess = function () {
        var db = req.result;
        // a newer page or worker upgrading the database: let it (the next call opens it again)
        db.onversionchange = function () { db.close(); dbPromise = null; };
        resolve(db);
      };
      req.onerror = function () { dbPromise = null; reject(req.error); };
    });
    return dbPromise;
  }

  function tx(mode, fn, storeName) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(storeName || STORE, mode), store = t.objectStore(storeName || STORE), out;
        var r = fn(store);
        if (r) r.onsuccess = function () { out = r.result; };
        t.oncomplete = function () { resolve(out); };
        t.onerror = function () { reject(t.error); };
        t.onabort = function () { reject(t.error); };
      });
    });
  }

  function uuid() {
    if (g.crypto && g.crypto.randomUUID) return g.crypto.randomUUID();
    var b = new Uint8Array(16);
    g.crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function list() {
    return tx("readonly", function (s) { return s.getAll(); }).then(function (items) {
      return (items || []).sort(function (a, b) { return a.created - b.created; });
    });
  }
  function count() { return tx("readonly", function (s) { return s.count(); }); }
  function put(item) { return tx("readwrite", function (s) { return s.put(item); }); }
  function removeOne(key) { return tx("readwrite", function (s) { return s.delete(key); }); }
  function get(key) { return tx("readonly", function (s) { return s.get(key); }); }
  /* Remove an item, and the items waiting for it (they could never be sent). */
  function remove(key) {
    return list().then(function (items) {
      var keys = [key];
      items.forEach(function (it) { if (it.after === key) keys.push(it.key); });
      return keys.reduce(function (p, k) { return p.then(function () { return removeOne(k); }); }, Promise.resolve());
    });
  }
  function refOf(key) {
    return tx("readonly", function (s) { return s.get(key); }, REFS).then(function (r) { return r ? r.id : null; });
  }
  function allRefs() {
    return tx("readonly", function (s) { return s.getAll(); }, REFS).then(function (rows) {
      var out = {}, old = Date.now() - REF_DAYS * 86400000;
      (rows || []).forEach(function (r) { if (r.at >= old) out[r.key] = r.id; });
      return out;
    });
  }
  function keepRef(key, id) {
    return tx("readwrite", function (s) { return s.put({key: key, id: id, at: Date.now()}); }, REFS);
  }
  function resolveUrl(item, id) {
    item.url = item.url.split("{id}").join(String(id));
    item.after = "";
  }

  /* Queue one report. `payload` is the JSON body of POST /api/events without the key; `url`
     another endpoint answering like it (optional). */
  function add(key, payload, photo, url) {
    return get(key).then(function (existing) {
      if (existing) return existing;  // the same report queued twice stays one
      var item = {key: key, payload: payload, photo: photo || null, photoName: (photo && photo.name) || "",
                  number: null, photoDone: !photo, url: url || "",
                  error: "", created: Date.now()};
      return put(item).then(function () { return item; });
    });
  }

  /* Queue any other idempotent POST (see the protocol above). `opts`: {ref: true} (its answer's id
     is kept for the items after it), {after: key} (the url's "{id}" is that item's id). */
  function addPost(key, url, payload, label, photo, asForm, opts) {
    opts = opts || {};
    return Promise.all([get(key), opts.after ? refOf(opts.after) : null]).then(function (r) {
      if (r[0]) return r[0];
      var item = {key: key, kind: "post", url: url, payload: payload, label: label || "", photo: photo || null,
                  photoName: (photo && photo.name) || "", form: !!(asForm || photo), error: "", created: Date.now(),
                  ref: !!opts.ref, after: opts.after || ""};
      if (item.after && r[1] != null) resolveUrl(item, r[1]);
      return put(item).then(function () { return item; });
    });
  }

  function csrfToken() {
    if (typeof document !== "undefined" && document.cookie !== undefined) {
      var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
      return Promise.resolve(m ? decodeURIComponent(m[1]) : "");
    }
    if (g.cookieStore) {
      return g.cookieStore.get("csrftoken").then(function (c) { return c ? c.value : ""; }, function () { return ""; });
    }
    return Promise.resolve("");
  }

  function Stop(reason) { this.reason = reason; }

  function readJson(resp) { return resp.json().catch(function () { return {}; }); }

  function sendEvent(item, token) {
    var body = Object.assign({}, item.payload, {idempotency_key: item.key});
    return fetch(item.url || API, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": token, "Accept": "application/json"},
      body: JSON.stringify(body),
    }).then(function (resp) {
      return readJson(resp).then(function (data) {
        if (resp.status === 200 || resp.status === 201) return {ok: true, number: data.number, created: resp.status === 201};
        if (resp.status >= 500 || resp.status === 401 || resp.status === 403 || resp.status === 429) {
          throw new Stop(resp.status === 401 || resp.status === 403 ? "auth" : "server");
        }
        return {ok: false, message: data.message || ("HTTP " + resp.status)};
      });
    });
  }

  function sendPhoto(item, token) {
    var fd = new FormData();
    fd.append("file", item.photo, item.photoName || "photo.jpg");
    fd.append("kind", "report");
    return fetch(API + "/" + encodeURIComponent(item.number) + "/photos", {
      method: "POST", credentials: "same-origin", headers: {"X-CSRFToken": token, "Accept": "application/json"}, body: fd,
    }).then(function (resp) {
      if (resp.status === 201) return {ok: true};
      return readJson(resp).then(function (data) {
        if (resp.status >= 500 || resp.status === 401 || resp.status === 403 || resp.status === 429) throw new Stop("server");
        return {ok: false, message: data.message || ("HTTP " + resp.status)};
      });
    });
  }

  function sendPost(item, token) {
    var init = {method: "POST", credentials: "same-origin", headers: {"X-CSRFToken": token, "Accept": "application/json"}};
    if (item.form) {
      var fd = new FormData();
      Object.keys(item.payload).forEach(function (k) { fd.append(k, item.payload[k]); });
      if (item.photo) fd.append("photo", item.photo, item.photoName || "photo.jpg");
      init.body = fd;
    } else {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(item.payload);
    }
    return fetch(item.url, init).then(function (resp) {
      return readJson(resp).then(function (data) {
        if (resp.status === 200 || resp.status === 201) return {ok: true, data: data};
        if (resp.status >= 500 || resp.status === 401 || resp.status === 403 || resp.status === 429) {
          throw new Stop(resp.status === 401 || resp.status === 403 ? "auth" : "server");
        }
        return {ok: false, message: data.message || ("HTTP " + resp.status)};
      });
    });
  }

  /* Send what can be sent. Resolves {sent: [{key, number, created}], refused, remaining, stopped}. */
  function flushUnlocked() {
    var result = {sent: [], refused: 0, waiting: 0, remaining: 0, stopped: ""};
    return Promise.all([list(), csrfToken(), allRefs()]).then(function (r) {
      var items = r[0], token = r[1], refs = r[2];
      var chain = Promise.resolve();
      items.forEach(function (item) {
        chain = chain.then(function () {
          if (result.stopped) return;
          if (item.error && !item.retry) { result.refused += 1; return; }
          if (item.kind === "post") {
            if (item.after) {
              if (refs[item.after] == null) { result.waiting += 1; return; }  // its patrol is not on the server yet
              resolveUrl(item, refs[item.after]);
            }
            return sendPost(item, token).then(function (res) {
              if (!res.ok) {
                item.error = res.message; item.retry = false;
                return put(item).then(function () { result.refused += 1; });
              }
              var kept = Promise.resolve();
              if (item.ref && res.data && res.data.id != null) {
                refs[item.key] = res.data.id;
                kept = keepRef(item.key, res.data.id);  // before the item goes: a crash in between resends it (same id)
              }
              return kept.then(function () { return removeOne(item.key); }).then(function () {
                result.sent.push({key: item.key, kind: "post", url: item.url, data: res.data});
              });
            });
          }
          var step = item.number ? Promise.resolve({ok: true, number: item.number, created: false})
                                 : sendEvent(item, token);
          return step.then(function (res) {
            if (!res.ok) {
              item.error = res.message; item.retry = false;
              return put(item).then(function () { result.refused += 1; });
            }
            var first = !item.number;
            item.number = res.number; item.error = ""; item.retry = false;
            var created = first ? res.created : false;
            return put(item).then(function () {
              if (item.photo && !item.photoDone) {
                return sendPhoto(item, token).then(function (p) {
                  // a refused photo (wrong type, too large) does not hold the event back
                  item.photoDone = true;
                  if (!p.ok) item.photoError = p.message;
                });
              }
            }).then(function () {
              return removeOne(item.key);
            }).then(function () {
              result.sent.push({key: item.key, number: item.number, created: created, photoError: item.photoError || ""});
            });
          });
        });
      });
      return chain.catch(function (e) {
        result.stopped = e instanceof Stop ? e.reason : "offline";
      });
    }).then(function () {
      return count().then(function (n) { result.remaining = n; return result; });
    });
  }

  var running = null;
  function flush() {
    if (running) return running;  // one flush at a time in this context
    var run = (g.navigator && g.navigator.locks)
      ? g.navigator.locks.request(LOCK, flushUnlocked)
      : flushUnlocked();
    running = run.then(function (r) { running = null; return r; }, function (e) { running = null; throw e; });
    return running;
  }

  function retry(key) {
    return get(key).then(function (item) { if (item) { item.retry = true; return put(item); } });
  }

  g.JWQueue = {add: add, addPost: addPost, list: list, count: count, remove: remove, flush: flush, retry: retry, uuid: uuid,
               refOf: refOf,
               csrfToken: csrfToken, SYNC_TAG: "jiewang-outbox"};
})(typeof self !== "undefined" ? self : this);
