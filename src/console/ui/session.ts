import { ChatClient } from '../../client';

/** The token lives for this tab only: sessionStorage, never localStorage or a cookie. */
const KEY = 'campaign-chat.token';

export const savedToken = (): string | undefined => sessionStorage.getItem(KEY) || undefined;

export function saveToken(token: string | undefined): void {
  if (token) sessionStorage.setItem(KEY, token);
  else sessionStorage.removeItem(KEY);
}

/** Chats per history page: the server's maximum, so a long room takes fewer round trips. */
export const PAGE_SIZE = 100;

/** The console talks to the server it was loaded from, like any other client. */
export const makeClient = (token: string | undefined): ChatClient =>
  new ChatClient({ url: location.origin, token, pageSize: PAGE_SIZE, reconnectionDelayMax: 5_000 });
