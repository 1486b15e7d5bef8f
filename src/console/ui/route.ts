import { useEffect, useState } from 'preact/hooks';

export type Route = { page: 'campaigns' } | { page: 'room'; id: string } | { page: 'datas' };

/** Hash routes, so a room can be bookmarked, reloaded and opened in another tab. */
export function parseRoute(hash: string): Route {
  const room = /^#\/campaigns\/([^/?#]+)/.exec(hash);
  if (room) return { page: 'room', id: decodeURIComponent(room[1]) };
  if (hash.startsWith('#/datas')) return { page: 'datas' };
  return { page: 'campaigns' };
}

export const roomHref = (id: string): string => `#/campaigns/${encodeURIComponent(id)}`;

export function useRoute(): Route {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const changed = () => setHash(location.hash);
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return parseRoute(hash);
}
