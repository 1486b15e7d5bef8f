import type { App } from '../../src/app';

/** A link as a client reads it: where it points and its query parameters, order aside. */
export function link(href: string | null): { origin: string; path: string; query: Record<string, string> } | null {
  if (href === null) return null;
  const url = new URL(href);
  return { origin: url.origin, path: url.pathname, query: Object.fromEntries(url.searchParams) };
}

/** The path and query of an absolute link served by `app`, ready to request again. */
export function pathOf(app: App, href: string): string {
  if (!href.startsWith(`${app.url}/`)) throw new Error(`${href} is not a link to ${app.url}`);
  return href.slice(app.url.length);
}
