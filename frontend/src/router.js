// History-API routing. The server answers every unknown GET path with index.html, so a reload on
// /rooms/abc lands back here and the router picks the page.

const routes = [];
let current = null; // { cleanup }
let outlet = null;
let notFound = null;

export function route(pattern, render) {
  const names = [];
  const re = new RegExp(
    '^' +
      pattern.replace(/\/:([a-zA-Z_]+)/g, (_, name) => {
        names.push(name);
        return '/([^/]+)';
      }) +
      '/?$',
  );
  routes.push({ re, names, render });
}

export function fallback(render) {
  notFound = render;
}

export function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  render();
}

export function start(el) {
  outlet = el;
  window.addEventListener('popstate', render);
  // Same-origin links navigate inside the app without a reload.
  document.addEventListener('click', (e) => {
    const a = /** @type {Element} */ (e.target).closest('a');
    if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    if (a.target && a.target !== '_self') return;
    if (a.hasAttribute('download') || a.origin !== location.origin) return;
    if (a.getAttribute('href')?.startsWith('#')) return;
    e.preventDefault();
    navigate(a.pathname + a.search + a.hash);
  });
  render();
}

export function render() {
  if (current?.cleanup) {
    try {
      current.cleanup();
    } catch (err) {
      console.error(err);
    }
  }
  current = null;
  const path = location.pathname;
  const query = new URLSearchParams(location.search);
  for (const r of routes) {
    const m = r.re.exec(path);
    if (!m) continue;
    const params = Object.fromEntries(r.names.map((n, i) => [n, decodeURIComponent(m[i + 1])]));
    current = { cleanup: null };
    const ctx = current;
    outlet.replaceChildren();
    const result = r.render(outlet, { params, query, path });
    if (typeof result === 'function') ctx.cleanup = result;
    window.scrollTo(0, 0);
    document.dispatchEvent(new CustomEvent('mockroom:route', { detail: { path } }));
    return;
  }
  outlet.replaceChildren();
  if (notFound) notFound(outlet, { path, query });
}
