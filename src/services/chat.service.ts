import {
  readable,
  requireScope,
  requireVisibleTarget,
  sees,
  subjectOf,
  visibleCampaigns,
  type Principal,
} from '../auth/principal';
import type { ServiceContext } from './context';
import { AppError, invalidPk, NotFoundError, ValidationError } from '../errors';
import type { ChatAuthor, ChatRep, ChatStatus } from '../protocol';
import type { ChatInput } from '../schemas/chat.schemas';
import type { Rendered } from './rendered';
import { createBatcher } from './batcher';
import { getOne, listPage, type ListParams, type ListSpec } from './list';
import { chatJson, isoUtc } from './representation.sql';

export const CHAT_LIST: ListSpec = {
  table: 'chats',
  alias: 'c',
  json: chatJson,
  searchColumns: ['c.message', 'c.author'],
  orderingColumns: { created_at: 'c.created_at' },
  defaultOrdering: 'created_at',
  filterColumns: { campaign: 'c.campaign_id', author: 'c.author', status: 'c.status' },
  campaignOf: 'c.campaign_id',
};

interface ChatRow {
  id: string;
  campaign_id: string;
  author: string;
  message: string;
  status: ChatStatus;
  created_at: string;
}

/** A chat just created has no datas yet: its representation needs no second query. */
const freshChat = (c: ChatRow): ChatRep => ({
  id: c.id,
  campaign: c.campaign_id,
  author: c.author as ChatAuthor,
  message: c.message,
  status: c.status,
  created_at: c.created_at,
  datas: [],
});

const columns = ({ campaign, status: _, ...rest }: ChatInput) => ({
  ...rest,
  ...(campaign !== undefined && { campaign_id: campaign }),
});

export type ChatService = ReturnType<typeof createChatService>;

const RETURNED = `id, campaign_id, author, message, status, ${isoUtc('created_at')} AS created_at`;

/**
 * Inserts many chats in one statement; each returns its row, or null when its campaign is
 * missing. A streaming one gets its stream's row too (who may append, its length so far).
 */
const INSERT_MANY = `
  WITH v AS (
    SELECT uuid_generate_v4() AS id, u.campaign_id, u.author, u.message, u.status, u.owner, u.length, u.n
    FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[]) WITH ORDINALITY
      AS u (campaign_id, author, message, status, owner, length, n)
  ), inserted AS (
    INSERT INTO chats (id, campaign_id, author, message, status)
    SELECT v.id, v.campaign_id, v.author, v.message, v.status FROM v
    WHERE EXISTS (SELECT 1 FROM campaigns k WHERE k.id = v.campaign_id)
    ORDER BY v.n
    RETURNING ${RETURNED}
  ), streams AS (
    INSERT INTO chat_streams (chat_id, campaign_id, owner, length)
    SELECT i.id, i.campaign_id, v.owner, v.length FROM inserted i JOIN v ON v.id = i.id WHERE i.status = 'streaming'
  )
  SELECT inserted.* FROM v LEFT JOIN inserted ON inserted.id = v.id ORDER BY v.n`;

/** The same for chats written whole, the hot path: no stream rows to make, three arrays fewer. */
const INSERT_MANY_WHOLE = `
  WITH v AS (
    SELECT uuid_generate_v4() AS id, u.campaign_id, u.author, u.message, u.n
    FROM unnest($1::uuid[], $2::text[], $3::text[]) WITH ORDINALITY AS u (campaign_id, author, message, n)
  ), inserted AS (
    INSERT INTO chats (id, campaign_id, author, message)
    SELECT v.id, v.campaign_id, v.author, v.message FROM v
    WHERE EXISTS (SELECT 1 FROM campaigns k WHERE k.id = v.campaign_id)
    ORDER BY v.n
    RETURNING ${RETURNED}
  )
  SELECT inserted.* FROM v LEFT JOIN inserted ON inserted.id = v.id ORDER BY v.n`;

const INSERT_ONE = `INSERT INTO chats (campaign_id, author, message) VALUES ($1, $2, $3) RETURNING ${RETURNED}`;

interface NewChat {
  campaign: string;
  author: string;
  message: string;
  status: 'streaming' | 'complete';
  /** Who may append to a stream: the token's subject (none in open mode). */
  owner: string | null;
}

const missingCampaign = (c: NewChat) => invalidPk('campaign', c.campaign);

const streamOpen = () => new AppError('stream_open', 'This chat is streaming: finish or cancel it before changing it.');

/** Told of each stream opened here, so its first append needs no lookup. */
export type StreamOpened = (chat: { id: string; campaign: string; owner: string | null }) => void;

export function createChatService(context: ServiceContext, streamOpened?: StreamOpened) {
  const { sequelize, sql, models, typing, outsideRequest } = context;
  const { Chat, Data } = models;
  /**
   * Chat creation is the hottest write, and every committing transaction that NOTIFYs
   * is serialised by Postgres: concurrent creates are batched into one statement (one
   * commit, one NOTIFY). Should a campaign vanish between the check and the insert, the
   * batch fails on its foreign key and each chat is retried alone to get its own answer.
   * A batch serves many requests, so only the deadline cancels it, never one client leaving.
   */
  const insertChat = createBatcher<NewChat, ChatRow>((items) => outsideRequest(() => insertBatch(items)));

  async function insertBatch(items: NewChat[]): Promise<(ChatRow | Error)[]> {
    if (items.length === 1) return [await insertOne(items[0])];
    try {
      return await insertMany(items);
    } catch (err) {
      if ((err as { code?: string }).code !== '23503') throw err;
      return Promise.all(items.map((c) => insertOne(c).catch((e: Error) => e)));
    }
  }

  async function insertMany(items: NewChat[]): Promise<(ChatRow | Error)[]> {
    const whole = [items.map((c) => c.campaign), items.map((c) => c.author), items.map((c) => c.message)];
    const rows = items.every((c) => c.status === 'complete')
      ? await sql<ChatRow | { id: null }>(INSERT_MANY_WHOLE, whole)
      : await sql<ChatRow | { id: null }>(INSERT_MANY, [
          ...whole,
          items.map((c) => c.status),
          items.map((c) => c.owner),
          items.map((c) => c.message.length),
        ]);
    return rows.map((row, i) => (row.id === null ? missingCampaign(items[i]) : (row as ChatRow)));
  }

  async function insertOne(c: NewChat): Promise<ChatRow | Error> {
    try {
      if (c.status === 'streaming') return (await insertMany([c]))[0];
      return (await sql<ChatRow>(INSERT_ONE, [c.campaign, c.author, c.message]))[0];
    } catch (err) {
      if ((err as { code?: string }).code === '23503') return missingCampaign(c);
      throw err;
    }
  }

  /** The chat, if the principal can see it; 404 otherwise. */
  async function visibleChat(id: string, p: Principal, options: Parameters<typeof Chat.findByPk>[1] = {}) {
    const chat = await Chat.findByPk(id, options);
    if (!chat || !sees(p, chat.campaign_id)) throw new NotFoundError();
    return chat;
  }

  return {
    list: (params: ListParams, p: Principal) =>
      readable(p) && listPage(sql, CHAT_LIST, { ...params, campaigns: visibleCampaigns(p) }),

    get: (id: string, p: Principal) => readable(p) && getOne(sql, CHAT_LIST, id, visibleCampaigns(p)),

    /** The id of the campaign's newest streaming chat (by created_at, id), if one streams. */
    async newestStreaming(campaignId: string): Promise<string | undefined> {
      const [row] = await sql<{ id: string }>(
        `SELECT id FROM chats WHERE campaign_id = $1 AND status = 'streaming' ORDER BY created_at DESC, id DESC LIMIT 1`,
        [campaignId],
      );
      return row?.id;
    },

    /**
     * Writing a chat ends its author's typing in that room (`member`: who wrote it, if known;
     * with a token its subject, while open mode has no member name behind a REST call).
     */
    async create(input: ChatInput, p: Principal, member = subjectOf(p)): Promise<ChatRep> {
      requireVisibleTarget(p, 'campaign', input.campaign as string);
      requireScope(p, 'write');
      const chat = await insertChat({
        campaign: input.campaign as string,
        author: input.author as string,
        message: input.message as string,
        status: input.status ?? 'complete',
        owner: subjectOf(p) ?? null,
      });
      if (member !== undefined) typing?.typing(chat.campaign_id, member, false);
      if (chat.status === 'streaming')
        streamOpened?.({ id: chat.id, campaign: chat.campaign_id, owner: subjectOf(p) ?? null });
      return freshChat(chat);
    },

    async update(id: string, input: ChatInput, p: Principal): Promise<Rendered<ChatRep>> {
      await sequelize.transaction(async (transaction) => {
        const chat = await visibleChat(id, p, { transaction, lock: transaction.LOCK.UPDATE });
        requireScope(p, 'write');
        if (chat.status === 'streaming') throw streamOpen();
        if (input.campaign !== undefined && input.campaign !== chat.campaign_id) {
          requireVisibleTarget(p, 'campaign', input.campaign);
          // a data names both its chat and its campaign; moving the chat would split them
          const stranded = await Data.count({ where: { chat_id: id, campaign_id: chat.campaign_id }, transaction });
          if (stranded) {
            throw new ValidationError({ campaign: ['This chat has datas tied to its current campaign.'] });
          }
        }
        await chat.update(columns(input), { transaction });
      });
      return getOne(sql, CHAT_LIST, id);
    },

    remove: (id: string, p: Principal): Promise<void> =>
      sequelize.transaction(async (transaction) => {
        // locked, so the chat cannot move out of the token's campaigns before it goes
        const chat = await visibleChat(id, p, { transaction, lock: transaction.LOCK.UPDATE });
        requireScope(p, 'write');
        await chat.destroy({ transaction });
      }),
  };
}
