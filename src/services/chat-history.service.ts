import type { Sql } from '../postgres/database';
import { requireScope, requireSees, type Principal } from '../auth/principal';
import { NotFoundError, ValidationError } from '../errors';
import { UUID_RE } from '../protocol';
import { chatJson, isoUtc } from './representation.sql';

/** Keyset position of a chat in its campaign's timeline: (created_at, id). */
interface Position {
  ts: string;
  id: string;
}

export interface HistoryParams {
  limit?: number;
  before?: string;
  after?: string;
  /**
   * The caller is subscribed to the room: the newest page is every chat committed now, not
   * held back for transactions in flight, whose chats will reach the caller live. (Held back,
   * a chat committed before the subscription but created after such a transaction began
   * would be in neither.)
   */
  live?: boolean;
}

export interface HistoryPage {
  results: string[];
  /** Cursor for the page before the first result; undefined when nothing is older. */
  previous?: string;
  /** Cursor for what comes after the last result (poll it for new messages). */
  next?: string;
}

const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

export const encodeCursor = (p: Position): string => Buffer.from(`${p.ts}|${p.id}`).toString('base64url');

function decodeCursor(raw: string): Position | undefined {
  const [ts, id] = Buffer.from(raw, 'base64url').toString('utf8').split('|');
  // exactly the form we hand out; a round trip rejects impossible dates like February 30th
  const valid = ISO_MS.test(ts ?? '') && !Number.isNaN(Date.parse(ts)) && new Date(ts).toISOString() === ts;
  if (!id || !UUID_RE.test(id) || !valid) return undefined;
  return { ts, id };
}

type Row = { j: string; ts: string; id: string };
const SELECT = `SELECT ${chatJson('c')}::text AS j, ${isoUtc('c.created_at')} AS ts, c.id FROM chats c`;

export type ChatHistoryService = ReturnType<typeof createChatHistoryService>;

export interface ChatHistoryOptions {
  /** How long a transaction that has not written yet may still add chats behind the newest page. */
  lateWriterGraceMs?: number;
}

export function createChatHistoryService(sql: Sql, { lateWriterGraceMs = 5_000 }: ChatHistoryOptions = {}) {
  /** A cursor is ours (opaque) or, for convenience, the id of a chat of this campaign. */
  async function position(campaignId: string, raw: string, field: string): Promise<Position> {
    if (UUID_RE.test(raw)) {
      const [row] = await sql<Position>(
        `SELECT ${isoUtc('created_at')} AS ts, id FROM chats WHERE id = $1 AND campaign_id = $2`,
        [raw, campaignId],
      );
      if (row) return row;
    } else {
      const decoded = decodeCursor(raw);
      if (decoded) return decoded;
    }
    throw new ValidationError({ [field]: ['Invalid cursor.'] });
  }

  /**
   * created_at is the writing transaction's start, so a chat still committing can land
   * behind chats already visible. Any such chat belongs to a transaction open now, so a
   * page that a client may follow with `next` stops before the oldest one that may still
   * write: one that has written (holds an xid), waits on a lock, or is young enough to be
   * about to. One that has only read for longer than the grace (a backup, a report, a
   * session idle in transaction) holds nothing back. With none open, the bound is this
   * moment: anything that begins later is later than the page. Rounded as created_at is.
   * Sessions of other roles are visible here only to a role with pg_read_all_stats.
   */
  async function horizon(): Promise<string> {
    const [row] = await sql<{ h: string }>(
      `SELECT ${isoUtc('least(statement_timestamp(), min(xact_start))::timestamptz(3)')} AS h
       FROM pg_stat_activity
       WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()
         AND (backend_xid IS NOT NULL OR wait_event_type = 'Lock'
              OR xact_start > statement_timestamp() - make_interval(secs => $1))`,
      [lateWriterGraceMs / 1000],
    );
    return row.h;
  }

  async function assertCampaign(campaignId: string): Promise<void> {
    const rows = await sql(`SELECT 1 FROM campaigns WHERE id = $1`, [campaignId]);
    if (!rows.length) throw new NotFoundError();
  }

  return {
    /** Every chat of the campaign, oldest first: the reference's bare array. */
    async all(campaignId: string, p: Principal): Promise<string> {
      requireSees(p, campaignId);
      requireScope(p, 'read');
      const [row] = await sql<{ found: boolean; j: string }>(
        `SELECT EXISTS (SELECT 1 FROM campaigns WHERE id = $1) AS found, ` +
          `(SELECT coalesce(json_agg(${chatJson('c')} ORDER BY c.created_at, c.id), '[]')::text FROM chats c WHERE c.campaign_id = $1) AS j`,
        [campaignId],
      );
      if (!row.found) throw new NotFoundError();
      return row.j;
    },

    /** Newest `limit` chats, or the page before/after a cursor; results oldest first. */
    async page(
      campaignId: string,
      { limit = 50, before, after, live }: HistoryParams,
      p: Principal,
    ): Promise<HistoryPage> {
      requireSees(p, campaignId);
      requireScope(p, 'read');
      await assertCampaign(campaignId);
      const anchor = before ?? after;
      const at = anchor ? await position(campaignId, anchor, before ? 'before' : 'after') : undefined;
      const bind: unknown[] = [campaignId, limit + 1];
      let where = 'c.campaign_id = $1';
      if (at) {
        bind.push(at.ts, at.id);
        where += ` AND (c.created_at, c.id) ${after ? '>' : '<'} ($3::timestamptz, $4::uuid)`;
      }
      // read before the page's snapshot: whatever commits in between is then behind it
      if (!before && !live) {
        bind.push(await horizon());
        where += ` AND c.created_at < $${bind.length}::timestamptz`;
      }
      const direction = after ? 'ASC' : 'DESC';
      const rows = await sql<Row>(
        `${SELECT} WHERE ${where} ORDER BY c.created_at ${direction}, c.id ${direction} LIMIT $2`,
        bind,
      );
      const more = rows.length > limit;
      const page = rows.slice(0, limit);
      if (!after) page.reverse();
      const first = page[0];
      const last = page[page.length - 1];
      return {
        results: page.map((r) => r.j),
        previous: first && (after || more) ? encodeCursor(first) : undefined,
        next: last ? encodeCursor(last) : after && at ? encodeCursor(at) : undefined,
      };
    },
  };
}
