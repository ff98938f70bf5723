// The kiosk's service worker: the counter keeps taking answers when the network drops.
//
// - A kiosk's fresh form is kept (as served) each time it loads; offline, the same form is
//   served again under one of the signed submission ids fetched ahead (`/k/TOKEN/tickets`),
//   so no two kept answers share an id.
// - A final "Gửi đánh giá" that cannot reach the server is kept here (IndexedDB, under its
//   submission id) and the citizen sees the thank-you screen as usual.
// - Kept answers are sent, oldest first, whenever the server answers again; each is deleted
//   once the server has stored it (or refused it for good). A repeat is harmless: the server
//   answers a submission id it has stored with "thank you" and stores nothing twice.
"use strict";

var CACHE = "chiso-kiosk-1";
var DB_NAME = "chiso-kiosk";
// Tickets fetched ahead; fetched again when fewer are left, or older than this.
var TICKETS_LOW = 20;
var TICKETS_MAX_AGE_MS = 10 * 60 * 1000;
// When the server asks a kept answer to wait (the kiosk's interval, a busy writer).
var RETRY_MS = 6000;

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (e) { e.waitUntil(self.clients.claim()); });

// ---- IndexedDB: "kept" answers by submission id, "tickets" by kiosk token.
function db() {
  return new Promise(function (resolve, reject) {
    var open = indexedDB.open(DB_NAME, 1);
    open.onupgradeneeded = function () {
      open.result.createObjectStore("kept", { keyPath: "id" });
      open.result.createObjectStore("tickets", { keyPath: "token" });
    };
    open.onsuccess = function () { resolve(open.result); };
    open.onerror = function () { reject(open.error); };
  });
}
function tx(store, mode, work) {
  return db().then(function (d) {
    return new Promise(function (resolve, reject) {
      var t = d.transaction(store, mode);
      var result;
      t.oncomplete = function () { d.close(); resolve(result); };
      t.onerror = function () { d.close(); reject(t.error); };
      work(t.objectStore(store), function (r) { result = r; });
    });
  });
}
function request(req, done) { req.onsuccess = function () { done(req.result); }; }
function allKept() {
  return tx("kept", "readonly", function (s, done) { request(s.getAll(), done); })
    .then(function (all) { return (all || []).sort(function (a, b) { return a.at - b.at; }); });
}
function keep(item) { return tx("kept", "readwrite", function (s) { s.put(item); }); }
function forget(id) { return tx("kept", "readwrite", function (s) { s.delete(id); }); }

// ---- Tickets: signed (submission id, issued) pairs for forms opened offline.
function stock(token) {
  return tx("tickets", "readonly", function (s, done) { request(s.get(token), done); });
}
function topUp(token) {
  return stock(token).then(function (st) {
    var fresh = st && st.list.length >= TICKETS_LOW && Date.now() - st.at < TICKETS_MAX_AGE_MS;
    if (fresh) { return; }
    return fetch("/k/" + token + "/tickets", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (j) {
        if (!j || !j.tickets) { return; }
        return tx("tickets", "readwrite", function (s) {
          s.put({ token: token, at: Date.now(), list: j.tickets });
        });
      });
  }).catch(function () {});
}
function takeTicket(token) {
  return tx("tickets", "readwrite", function (s, done) {
    request(s.get(token), function (st) {
      if (!st || !st.list.length) { done(null); return; }
      var t = st.list.shift();
      s.put(st);
      done(t);
    });
  });
}

// ---- Pages.
function formKey(token) { return "/k/" + token; }
function thanksKey(token) { return "/k/" + token + "/cam-on"; }

// Keeps the files a kept page needs (its stylesheet, script, icon), named in its HTML.
function keepAssets(cache, html) {
  var re = /(?:href|src)="(\/static\/[^"]+)"/g;
  var m;
  var urls = [];
  while ((m = re.exec(html))) { urls.push(m[1].replace(/&amp;/g, "&")); }
  return Promise.all(urls.map(function (u) {
    return cache.match(u).then(function (hit) { return hit || cache.add(u); });
  }));
}

// A kiosk's form, thank-you page and files, kept while the network is there: `page` is the
// form just served (kept under `key`, its address with its language); without it, the
// Vietnamese form is fetched only if none is kept yet.
function prime(token, page, key) {
  key = key || formKey(token);
  return caches.open(CACHE).then(function (cache) {
    var form = page ? Promise.resolve(page) : cache.match(formKey(token)).then(function (hit) {
      return hit ? null : fetch(formKey(token), { credentials: "same-origin" });
    });
    return form.then(function (res) {
      var thanks = cache.match(thanksKey(token)).then(function (hit) {
        return hit || cache.add(thanksKey(token));
      });
      if (!res || !res.ok) { return thanks; }
      return res.clone().text().then(function (html) {
        return Promise.all([cache.put(key, res), keepAssets(cache, html), thanks]);
      });
    });
  }).catch(function () {}).then(function () { return topUp(token); });
}

function setField(html, name, value) {
  var re = new RegExp('(name="' + name + '" value=")[^"]*(")');
  return html.replace(re, "$1" + value + "$2");
}

// The kept form (in the language asked, else Vietnamese) under a fresh ticket; a short page
// when none is left.
function offlineForm(token, key) {
  return caches.match(key).then(function (hit) {
    return hit || caches.match(formKey(token));
  }).then(function (kept) {
    if (!kept) { return unreachable(); }
    return takeTicket(token).then(function (t) {
      if (!t) { return unreachable(); }
      return kept.text().then(function (html) {
        html = setField(html, "submission_id", t.submission_id);
        html = setField(html, "issued", String(t.issued));
        html = setField(html, "sig", t.sig);
        return new Response(html, { status: 200, headers: kept.headers });
      });
    });
  });
}

function unreachable() {
  var body = '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    "<title>Mất kết nối</title></head><body><main>" +
    "<h1>Thiết bị đang mất kết nối mạng</h1>" +
    "<p>Xin báo cán bộ tại quầy. Phiếu sẽ mở lại khi có mạng.</p>" +
    '<p lang="en">This device has lost its network. Please tell the staff at the counter.</p>' +
    "</main></body></html>";
  return new Response(body, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

function thanksPage(token, key) {
  return caches.match(key).then(function (hit) {
    return hit || caches.match(thanksKey(token));
  }).then(function (hit) { return hit || unreachable(); });
}

// ---- Sending what was kept.
var sending = null;
function pause(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

// Sends the kept answers oldest first; stops at the first that cannot reach the server.
function flush() {
  if (sending) { return sending; }
  sending = allKept().then(function (items) {
    var i = 0;
    var waits = 0;
    function next() {
      if (i >= items.length) { return; }
      var item = items[i];
      return fetch(formKey(item.token), {
        method: "POST",
        body: item.body + "&kept=1",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        credentials: "same-origin",
        redirect: "manual",
      }).then(function (r) {
        var again = r.status === 429 || r.status === 503;
        if (again && waits < 30) {
          waits += 1;
          var after = parseInt(r.headers.get("Retry-After"), 10);
          return pause(after > 0 ? after * 1000 : RETRY_MS).then(next);
        }
        if (again) { return; }
        // Stored (a redirect to the thank-you page), or refused for good (an old form, an
        // unknown kiosk): either way the tablet keeps it no longer.
        i += 1;
        waits = 0;
        return forget(item.id).then(next);
      });
    }
    return next();
  }).catch(function () {}).then(function () {
    sending = null;
    return tell();
  });
  return sending;
}

// Tells every open kiosk page how many answers wait.
function tell() {
  return allKept().then(function (items) {
    return self.clients.matchAll().then(function (cs) {
      cs.forEach(function (c) { c.postMessage({ kept: items.length }); });
    });
  }).catch(function () {});
}

// ---- Requests.
var FORM = /^\/k\/([^/]+)$/;
var THANKS = /^\/k\/([^/]+)\/cam-on$/;

self.addEventListener("fetch", function (e) {
  var req = e.request;
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) { return; }
  var form = FORM.exec(url.pathname);
  var thanks = THANKS.exec(url.pathname);
  var key = url.pathname + url.search;
  if (form && req.method === "GET") {
    e.respondWith(fetch(req).then(function (res) {
      if (res.ok) { e.waitUntil(prime(form[1], res.clone(), key).then(flush)); }
      return res;
    }, function () { return offlineForm(form[1], key); }));
  } else if (form && req.method === "POST") {
    var copy = req.clone();
    e.respondWith(fetch(req).catch(function () { return kept(form[1], copy); }));
  } else if (thanks && req.method === "GET") {
    e.respondWith(fetch(req).then(function (res) {
      var copy = res.clone();
      if (res.ok) { e.waitUntil(caches.open(CACHE).then(function (c) { return c.put(key, copy); })); }
      return res;
    }, function () { return thanksPage(thanks[1], key); }));
  } else if (url.pathname.indexOf("/static/") === 0 && req.method === "GET") {
    e.respondWith(caches.match(req).then(function (hit) { return hit || fetch(req); }));
  }
});

// A post that did not reach the server: a final answer is kept and thanked for; a step
// (only without the page's script) cannot be drawn offline.
function kept(token, req) {
  return req.text().then(function (body) {
    var p = new URLSearchParams(body);
    var go = p.get("go");
    var id = p.get("submission_id");
    if ((go && go !== "submit") || !id) { return unreachable(); }
    // As online: the thank-you page's own address, in the citizen's language (its kept
    // copy, while offline).
    var thanksAt = thanksKey(token) + (p.get("lang") === "en" ? "?lang=en" : "");
    return keep({ id: id, token: token, body: body, at: Date.now() })
      .then(function () { return tell(); })
      .then(function () { return Response.redirect(new URL(thanksAt, self.location.origin).href, 303); });
  });
}

// A kiosk page says it is open (and, on its timer or when the network returns, asks to send).
self.addEventListener("message", function (e) {
  var token = e.data && e.data.kiosk;
  if (!token) { return; }
  e.waitUntil(prime(token, null).then(flush));
});
