import { ChatClient } from '../../client';

/** The token lives for this tab only: sessionStorage, never localStorage or a cookie. */
const KEY = 'campaign-chat.token';

export const savedToken = (): string | undefined => sessionStorage.getItem(KEY) || undefined;

export function saveToken(token: string | undefined): void {
  if (token) sessionStorage.setItem(KEY, token);
  else sessionStorage.removeItem(KEY);
}

/**
 * Whether the token lets its holder write (its `scope` claim has `write` or `admin`): a hint
 * of what to offer, never a check, which is the server's. No token (open mode, or none asked
 * for yet) and a token that is not a readable JWT offer everything and let the server answer.
 */
export function mayWrite(token: string | undefined): boolean {
  if (!token) return true;
  let claims: { scope?: unknown };
  try {
    claims = JSON.parse(atob(token.split('.')[1]?.replace(/-/g, '+').replace(/_/g, '/') ?? '')) as typeof claims;
  } catch {
    return true;
  }
  const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ') : [];
  return scopes.includes('write') || scopes.includes('admin');
}

/** The name this tab goes by in presence and typing (open mode), for this tab only too. */
const NAME_KEY = 'campaign-chat.name';

export const savedName = (): string => sessionStorage.getItem(NAME_KEY) ?? '';

export function saveName(name: string): void {
  if (name) sessionStorage.setItem(NAME_KEY, name);
  else sessionStorage.removeItem(NAME_KEY);
}

/** Chats per history page: the server's maximum, so a long room takes fewer round trips. */
export const PAGE_SIZE = 100;

/**
 * The console talks to the server it was loaded from, like any other client. Without a name
 * the server calls the member `anonymous-…`; with a token, the member is its `sub`.
 */
export const makeClient = (token: string | undefined, name: string): ChatClient =>
  new ChatClient({
    url: location.origin,
    token,
    name: name || undefined,
    pageSize: PAGE_SIZE,
    reconnectionDelayMax: 5_000,
  });
