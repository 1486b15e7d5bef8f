import { EventEmitter } from 'eventemitter3';
import { io, type Socket } from 'socket.io-client';
import {
  LIVE_EVENT_NAMES,
  MAX_NAME_LENGTH,
  type Ack,
  type ClientToServerEvents,
  type HandshakeAuth,
  type ServerToClientEvents,
} from '../protocol';
import { ChatError, chatError, closedError } from './errors';
import { restResources, restSender, type Campaigns, type HistoryParams, type RestResources } from './rest';
import { Room, type RoomLink } from './room';
import { backoff } from './backoff';
import { clientState, clientStep, INITIAL_CLIENT, type ClientInput } from './state';
import { expiresAt, refreshDelay, Tokens } from './token';
import type { ChatClientOptions, ClientEvents, ClientState, LiveEventName, RoomEvent } from './types';

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

const LIVE_EVENTS: readonly LiveEventName[] = LIVE_EVENT_NAMES;

const noAnswer = (why: string) => chatError('no_answer', why);

/**
 * One connection to the server: REST resources, and live rooms over one Socket.IO socket
 * that reconnects (jittered backoff), resubscribes every open room from its cursor, and
 * refreshes the token before it expires. Nothing connects until the first `room()`.
 */
export class ChatClient extends EventEmitter<ClientEvents> implements RestResources {
  readonly campaigns: Campaigns;
  readonly chats: RestResources['chats'];
  readonly datas: RestResources['datas'];
  state: ClientState = 'connecting';
  #facts = INITIAL_CLIENT;
  readonly #rooms = new Map<string, Room>();
  readonly #tokens: Tokens;
  readonly #link: RoomLink;
  #socket?: ClientSocket;
  #refreshTimer?: ReturnType<typeof setTimeout>;
  #reconnectTimer?: ReturnType<typeof setTimeout>;
  #refusals = 0;

  constructor(private readonly options: ChatClientOptions) {
    super();
    // the server refuses such a name on every connect: better said once, here
    if (options.name !== undefined && [...options.name.trim()].length > MAX_NAME_LENGTH) {
      const message = `The name must be at most ${MAX_NAME_LENGTH} characters.`;
      throw chatError('invalid', message, { name: [message] });
    }
    this.#tokens = new Tokens(options.token);
    const rest = restResources(restSender(options.url, this.#tokens, options.fetch));
    [this.campaigns, this.chats, this.datas] = [rest.campaigns, rest.chats, rest.datas];
    const socket = () => this.#socket;
    this.#link = {
      get connected() {
        return socket()?.connected ?? false;
      },
      pageSize: options.pageSize ?? 50,
      request: (event, payload) => this.#request(event, payload),
      history: (id: string, params: HistoryParams) => this.campaigns.history(id, params),
      forget: (room) => this.#rooms.get(room.id) === room && this.#rooms.delete(room.id),
    };
  }

  /** The campaign's room, subscribed now and after every reconnect (one per id while open). */
  room(campaignId: string): Room {
    if (this.#facts.closed) throw closedError('client');
    let room = this.#rooms.get(campaignId);
    if (!room) {
      room = new Room(campaignId, this.#link);
      this.#rooms.set(campaignId, room);
      this.#open().connect();
      room.subscribe();
    }
    return room;
  }

  /** Closes every room and the connection. */
  close(): void {
    if (this.#facts.closed) return;
    for (const room of [...this.#rooms.values()]) room.close();
    clearTimeout(this.#refreshTimer);
    clearTimeout(this.#reconnectTimer);
    this.#socket?.disconnect();
    this.#go('close');
  }

  /** The socket, made and wired once; connecting is the caller's call. */
  #open(): ClientSocket {
    if (this.#socket) return this.#socket;
    const { url, name, transports, reconnectionDelay = 500, reconnectionDelayMax = 10_000 } = this.options;
    const handshake = (token?: string): HandshakeAuth => ({
      ...(token && { token }),
      ...(name !== undefined && { name }),
    });
    const socket: ClientSocket = io(url, {
      autoConnect: false,
      forceNew: true,
      reconnectionDelay,
      reconnectionDelayMax,
      ...(transports && { transports }),
      // called on every connect attempt: a token function is asked each time
      auth: (cb) => {
        this.#tokens.fresh().then(
          (token) => cb(handshake(token)),
          (err: unknown) => (
            this.#fail(chatError('unauthorized', `The token function failed: ${err}`)),
            cb(handshake())
          ),
        );
      },
    });
    socket.on('connect', () => this.#connected());
    socket.on('disconnect', (reason) => this.#disconnected(reason));
    socket.on('connect_error', (err) => {
      // inactive: the server refused us (Socket.IO will not retry); active: a transport error it retries
      if (socket.active) return;
      this.#fail(ChatError.fromConnectRefusal(err.message));
      this.#reconnectLater();
    });
    socket.on('auth:expired', (e) => this.#fail(new ChatError(401, 'token_expired', e.message)));
    const room = (campaign: string) => this.#rooms.get(campaign);
    socket.on('room:expired', (e) => room(e.campaign)?.expire());
    socket.on('presence:join', (e) => room(e.campaign)?.presenceChanged('join', e.user));
    socket.on('presence:leave', (e) => room(e.campaign)?.presenceChanged('leave', e.user));
    socket.on('typing', (e) => room(e.campaign)?.typed(e));
    socket.on('chat:delta', (delta) => room(delta.campaign)?.receiveDelta(delta));
    for (const name of LIVE_EVENTS) {
      // a literal, not a spread: one fixed shape, built in a few ns for every event of every room
      socket.on(name, ({ cursor, campaign, data }: Omit<RoomEvent, 'name'>) => {
        room(campaign)?.receive({ name, cursor, campaign, data } as RoomEvent);
      });
    }
    return (this.#socket = socket);
  }

  #connected(): void {
    this.#refusals = 0;
    this.#go('connected');
    this.#scheduleRefresh();
    for (const room of this.#rooms.values()) room.subscribe();
  }

  #disconnected(reason: string): void {
    clearTimeout(this.#refreshTimer);
    this.#go('disconnected');
    for (const room of this.#rooms.values()) room.disconnected();
    // the server hung up on purpose (an expired token, say): Socket.IO leaves reconnecting to us
    if (reason === 'io server disconnect') this.#reconnectLater();
  }

  #reconnectLater(): void {
    if (this.#facts.closed) return;
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = setTimeout(
      () => {
        if (!this.#facts.closed && !this.#socket?.connected) this.#socket?.connect();
      },
      backoff(this.#refusals++, this.options.reconnectionDelay, this.options.reconnectionDelayMax),
    );
  }

  /** Asks the token function again before the current token expires, and sends it with `auth:refresh`. */
  #scheduleRefresh(): void {
    clearTimeout(this.#refreshTimer);
    const token = this.#tokens.current;
    const delay = token && this.#tokens.refreshable ? refreshDelay(token) : undefined;
    if (delay === undefined) return;
    this.#refreshTimer = setTimeout(() => void this.#refresh(token as string), delay);
  }

  async #refresh(old: string): Promise<void> {
    try {
      const token = await this.#tokens.fresh();
      // no newer token: let this one expire; the reconnect after it asks the function again
      if (!token || !this.#socket?.connected || !((expiresAt(token) ?? Infinity) > (expiresAt(old) ?? Infinity)))
        return;
      const ack = await this.#request('auth:refresh', { token });
      if (!ack.ok) throw ChatError.fromAck(ack.error);
      this.#scheduleRefresh();
    } catch (err) {
      this.#fail(err instanceof ChatError ? err : chatError('unauthorized', `Token refresh failed: ${err}`));
    }
  }

  #request<T extends object>(event: keyof ClientToServerEvents, payload: object): Promise<Ack<T>> {
    const socket = this.#socket;
    if (!socket) return Promise.reject(noAnswer('Not connected.'));
    const timed = socket.timeout(this.options.ackTimeoutMs ?? 20_000) as unknown as {
      emitWithAck(event: string, payload: object): Promise<Ack<T>>;
    };
    return timed.emitWithAck(event, payload).catch(() => {
      throw noAnswer(`No answer to ${event} in time.`);
    });
  }

  /** Connection errors reach the client's listeners and every room's. */
  #fail(error: ChatError): void {
    this.emit('error', error);
    for (const room of this.#rooms.values()) room.fail(error);
  }

  /** The only place the connection's state changes (its transitions are in state.ts). */
  #go(input: ClientInput): void {
    this.#facts = clientStep(this.#facts, input);
    const next = clientState(this.#facts);
    if (next === this.state) return;
    this.state = next;
    this.emit('state', next);
  }
}
