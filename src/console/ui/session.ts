import { ChatClient } from '../../client';

/** The token lives for this tab only: sessionStorage, never localStorage or a cookie. */
const KEY = 'campaign-chat.token';

export const savedToken = (): string | undefined => sessionStorage.getItem(KEY) || undefined;

export function saveToken(token: string | undefined): void {
  if (token) sessionStorage.setItem(KEY, token);
  else sessionStorage.removeItem(KEY);
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
