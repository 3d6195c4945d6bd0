// The terminal app's service worker (/m): keeps the app shell so the page opens with no network, and nothing else.
// The page and its hashed assets are cached when installed (read from the page itself) and refreshed whenever the
// network answers; the API and the device channel are never cached (reports wait in the app's own outbox).
const CACHE = 'ccr-terminal-v1';
const SHELL = ['/m', '/manifest.webmanifest', '/terminal-icon.svg'];
// The server varies its answers on Origin (CORS) and the page's module scripts carry one: match regardless.
const ANY = { ignoreVary: true };

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(SHELL);
    const page = await (await cache.match('/m', ANY)).text();
    const assets = [...new Set(page.match(/\/assets\/[A-Za-z0-9._-]+/g) || [])];
    await cache.addAll(assets);
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) if (key !== CACHE) await caches.delete(key);
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith('/api/') || url.pathname.startsWith('/socket.io')) return;
  if (req.mode === 'navigate') {
    // Network first (a redeploy is picked up), the cached shell when there is none.
    event.respondWith(fetch(req).then(async (res) => {
      if (res.ok) await (await caches.open(CACHE)).put('/m', res.clone());
      return res;
    }).catch(async () => (await caches.match('/m', ANY)) || Response.error()));
    return;
  }
  if (url.pathname.startsWith('/assets/') || SHELL.includes(url.pathname)) {
    // Hashed names never change content: the cache answers, the network fills it.
    event.respondWith(caches.match(req, ANY).then((hit) => hit || fetch(req).then(async (res) => {
      if (res.ok) await (await caches.open(CACHE)).put(req, res.clone());
      return res;
    })));
  }
});
