// chiso — the interviewer app's service worker (scope /phong-van). It keeps the app's page,
// script and stylesheet so that the app opens with no network; the pack and the forms live
// in the app's IndexedDB, and everything else goes to the network. Not the kiosk's worker.
'use strict';
const CACHE = 'chiso-phong-van-__APP_JS__';
const SHELL = ['/phong-van', '__APP_JS__', '__CSS__', '/phong-van/manifest.webmanifest', '/phong-van/icon.svg'];

self.addEventListener('install', (e) => {
  e.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (e) => {
  e.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys
      .filter((k) => k.startsWith('chiso-phong-van-') && k !== CACHE)
      .map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (e) => {
  const url = new URL(e.request.url);
  if (e.request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname === '/phong-van') {
    // The page from the network when there is one (a fresh sign-in, a new build); a
    // redirect to the sign-in page goes through; no network: the page kept.
    e.respondWith(fetch(e.request).then((r) => {
      if (r.ok && r.type === 'basic') {
        const copy = r.clone();
        caches.open(CACHE).then((c) => c.put('/phong-van', copy));
      }
      return r;
    }).catch(() => caches.match('/phong-van').then((r) => r || Response.error())));
    return;
  }
  if (SHELL.includes(url.pathname + url.search)) {
    e.respondWith(caches.match(url.pathname + url.search).then((r) => r || fetch(e.request)));
  }
});
