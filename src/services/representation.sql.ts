/**
 * SQL that renders the REST representations inside Postgres, nested arrays included,
 * so a page of any size costs one query and reaches Node as ready JSON text.
 * Aliases are parameters because the fragments nest inside each other.
 */

/** ISO-8601 UTC with milliseconds, the stored precision (same as Date#toISOString). */
export const isoUtc = (column: string): string =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

export const dataJson = (d: string): string =>
  `json_build_object('id', ${d}.id, 'context', ${d}.context, 'image', ${d}.image, 'chat', ${d}.chat_id, 'campaign', ${d}.campaign_id)`;

const datasOf = (fk: string, owner: string, d: string): string =>
  `(SELECT coalesce(json_agg(${dataJson(d)} ORDER BY ${d}.id), '[]') FROM datas ${d} WHERE ${d}.${fk} = ${owner}.id)`;

export const chatJson = (c: string): string =>
  `json_build_object('id', ${c}.id, 'campaign', ${c}.campaign_id, 'author', ${c}.author, 'message', ${c}.message, ` +
  `'created_at', ${isoUtc(`${c}.created_at`)}, 'datas', ${datasOf('chat_id', c, `${c}_d`)})`;

export const campaignJson = (k: string): string =>
  `json_build_object('id', ${k}.id, 'title', ${k}.title, 'description', ${k}.description, 'status', ${k}.status, ` +
  `'created_at', ${isoUtc(`${k}.created_at`)}, 'updated_at', ${isoUtc(`${k}.updated_at`)}, ` +
  `'chats', (SELECT coalesce(json_agg(${chatJson(`${k}_c`)} ORDER BY ${k}_c.created_at, ${k}_c.id), '[]') ` +
  `FROM chats ${k}_c WHERE ${k}_c.campaign_id = ${k}.id), ` +
  `'datas', ${datasOf('campaign_id', k, `${k}_d`)})`;
