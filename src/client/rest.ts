import type { CampaignFields, CampaignRep, ChatRep, DataRep } from '../protocol';
import { ChatError, chatError } from './errors';
import type { Tokens } from './token';

/** DRF's page envelope. */
export interface Page<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

type Query = Record<string, string | number | boolean | undefined>;

/** `?search=`, `?ordering=`, `?page=` (1-based or `'last'`), `?page_size=`, and the resource's filters. */
export interface ListParams extends Query {
  search?: string;
  ordering?: string;
  page?: number | 'last';
  page_size?: number;
}

export type CampaignInput = Partial<Pick<CampaignFields, 'title' | 'description' | 'status'>>;
export type ChatInput = Partial<Pick<ChatRep, 'campaign' | 'author' | 'message'>> & { status?: 'streaming' };
export type DataInput = Partial<Pick<DataRep, 'context' | 'image' | 'chat' | 'campaign'>>;

/** A page of a campaign's chat history, oldest first; cursors for the pages before and after. */
export interface HistoryPage {
  results: ChatRep[];
  previous: string | null;
  next: string | null;
}

export interface HistoryParams {
  limit?: number;
  before?: string;
  after?: string;
  /** The caller is subscribed to the room: every committed chat, none held back for late commits. */
  live?: boolean;
}

/** The `before`/`after` cursor a history link carries. */
export const cursorOf = (link: string | null, key: 'before' | 'after'): string | null =>
  link === null ? null : new URL(link).searchParams.get(key);

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return text; // a proxy's HTML error page, say: the status still says what happened
  }
}

export type Send = <T>(method: string, path: string, opts?: { query?: Query; body?: unknown }) => Promise<T>;

/** fetch with the token, JSON both ways, and DRF-shaped errors thrown as ChatError. */
export function restSender(baseUrl: string, tokens: Tokens, fetchFn: typeof fetch = fetch): Send {
  const base = baseUrl.replace(/\/+$/, '');
  const once = async (method: string, url: string, body: unknown, token: string | undefined) => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    return fetchFn(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  };
  return async <T>(method: string, path: string, opts: { query?: Query; body?: unknown } = {}) => {
    const url = new URL(`${base}${path}`);
    for (const [key, value] of Object.entries(opts.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    let res: Response;
    let text: string;
    try {
      res = await once(method, url.href, opts.body, await tokens.valid());
      // a token that ran out between two refreshes: one more try with a fresh one
      if (res.status === 401 && tokens.refreshable) res = await once(method, url.href, opts.body, await tokens.fresh());
      text = await res.text();
    } catch (err) {
      if (err instanceof ChatError) throw err;
      throw chatError('unavailable', `The server could not be reached: ${(err as Error).message}`);
    }
    const json = parseJson(text);
    if (!res.ok) throw ChatError.fromResponse(res.status, json);
    return json as T;
  };
}

/** The path of one item of a resource. */
const item = (path: string, id: string) => `${path}/${encodeURIComponent(id)}/`;

/** One REST resource: the DRF ModelViewSet surface. */
export class Resource<T, Input> {
  constructor(
    protected readonly send: Send,
    protected readonly path: string,
  ) {}

  list(params: ListParams = {}): Promise<Page<T>> {
    return this.send('GET', `${this.path}/`, { query: params });
  }
  get(id: string, query?: Query): Promise<T> {
    return this.send('GET', item(this.path, id), { query });
  }
  create(input: Input): Promise<T> {
    return this.send('POST', `${this.path}/`, { body: input });
  }
  /** PATCH: changes only what `input` names. */
  update(id: string, input: Partial<Input>): Promise<T> {
    return this.send('PATCH', item(this.path, id), { body: input });
  }
  /** PUT: the whole resource (optional fields the body omits are kept). */
  replace(id: string, input: Input): Promise<T> {
    return this.send('PUT', item(this.path, id), { body: input });
  }
  async delete(id: string): Promise<void> {
    await this.send('DELETE', item(this.path, id));
  }
}

export class Campaigns extends Resource<CampaignRep, CampaignInput> {
  /** A page of the campaign's chats (`limit`: newest N; `before`/`after`: a cursor), oldest first. */
  history(id: string, params: HistoryParams): Promise<HistoryPage> {
    return this.send('GET', `${item(this.path, id)}chats/`, { query: { ...params } });
  }
}

export class Chats extends Resource<ChatRep, ChatInput> {
  /** Stops a streamed chat (anyone who may write there): `cancelled`, its text so far kept. */
  cancel(id: string): Promise<ChatRep> {
    return this.send('POST', `${item(this.path, id)}cancel/`);
  }
}

export interface RestResources {
  campaigns: Campaigns;
  chats: Chats;
  datas: Resource<DataRep, DataInput>;
}

export const restResources = (send: Send): RestResources => ({
  campaigns: new Campaigns(send, '/api/campaigns'),
  chats: new Chats(send, '/api/chats'),
  datas: new Resource(send, '/api/datas'),
});
