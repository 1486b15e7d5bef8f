/** The REST representations, as the API sends them and live events carry them. */

/** Canonical 8-4-4-4-12 hex form: what Postgres returns and clients send back. */
export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const CAMPAIGN_STATUSES = ['pending', 'processing', 'started', 'completed'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

export const CHAT_AUTHORS = ['human', 'ai', 'tool'] as const;
export type ChatAuthor = (typeof CHAT_AUTHORS)[number];

/** `streaming` while a chat is written piece by piece; every other chat is `complete`, `cancelled` or `failed`. */
export const CHAT_STATUSES = ['streaming', 'complete', 'cancelled', 'failed'] as const;
export type ChatStatus = (typeof CHAT_STATUSES)[number];
/** How a producer ends its stream (`cancelled` is a member's Stop, through cancel). */
export const STREAM_ENDINGS = ['complete', 'failed'] as const satisfies readonly ChatStatus[];

export interface DataRep {
  id: string;
  context: string;
  image: string;
  chat: string | null;
  campaign: string | null;
}
export interface ChatRep {
  id: string;
  campaign: string;
  author: ChatAuthor;
  /** A streaming chat's text so far. */
  message: string;
  status: ChatStatus;
  created_at: string;
  datas: DataRep[];
}

/** What an accepted append answers: its seq, and the message's length after it (JavaScript string units). */
export interface AppendAck {
  seq: number;
  length: number;
}
/** A campaign's own fields: what `campaign:updated` carries, and REST with `?nested=false`. */
export interface CampaignFields {
  id: string;
  title: string;
  description: string;
  status: CampaignStatus;
  created_at: string;
  updated_at: string;
}
export interface CampaignRep extends CampaignFields {
  chats: ChatRep[];
  datas: DataRep[];
}
