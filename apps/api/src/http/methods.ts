/**
 * The methods each route path serves, so a request with a method no route declares gets
 * `405 Method Not Allowed` with an `Allow` header instead of a 404. Fed by Fastify's `onRoute`
 * hook; paths use Fastify's `:param` syntax, wildcard routes are ignored.
 */
export class RouteMethods {
  readonly #routes = new Map<string, { pattern: RegExp; methods: Set<string> }>();

  add(url: string, method: string | string[]): void {
    if (url.includes('*')) return;
    let route = this.#routes.get(url);
    if (!route) {
      const pattern = url
        .split('/')
        .map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
        .join('/');
      route = { pattern: new RegExp(`^${pattern}/?$`), methods: new Set() };
      this.#routes.set(url, route);
    }
    for (const m of Array.isArray(method) ? method : [method]) route.methods.add(m.toUpperCase());
  }

  /** The methods served at `path` (a request path without its query), sorted; empty when none. */
  allowed(path: string): string[] {
    const methods = new Set<string>();
    for (const route of this.#routes.values()) {
      if (route.pattern.test(path)) for (const m of route.methods) methods.add(m);
    }
    return [...methods].sort();
  }
}
