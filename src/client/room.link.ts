import type { Ack } from '../protocol';
import type { HistoryPage, HistoryParams } from './rest';

/** What a room needs from its client: the socket's requests, the REST history, and leaving. */
export interface RoomLink {
  readonly connected: boolean;
  readonly pageSize: number;
  request<T extends object>(
    event: 'subscribe' | 'unsubscribe' | 'chat:create' | 'typing' | 'chat:append' | 'chat:finish' | 'chat:cancel',
    payload: object,
  ): Promise<Ack<T>>;
  history(campaignId: string, params: HistoryParams): Promise<HistoryPage>;
  /** The room closed: the client lets go of it. Typed loosely, so this file needs no Room. */
  forget(room: { readonly id: string }): void;
}
