import type { Sql } from '../postgres/database';
import { NotFoundError } from '../errors';
import { searchTerms } from '../schemas/common';

/** How one collection is listed: every identifier here is ours, never the client's. */
export interface ListSpec {
  table: string;
  alias: string;
  json: (alias: string) => string;
  /** The representation without nested arrays, for `?nested=false` (where the resource has any). */
  leanJson?: (alias: string) => string;
  searchColumns: string[];
  /** API ordering field → column; anything else in ?ordering= is ignored. */
  orderingColumns: Record<string, string>;
  defaultOrdering: string;
  /** Query parameter → column compared for equality. */
  filterColumns: Record<string, string>;
  /** SQL for the campaign a row belongs to: what a token's campaign set restricts. */
  campaignOf: string;
}

export type PageRequest = number | 'last';

export interface ListParams {
  search?: string;
  ordering?: string;
  filters: Record<string, unknown>;
  page: PageRequest;
  pageSize: number;
  /** false leaves nested arrays out (where the resource has a lean representation). */
  nested?: boolean;
  /** Only rows of these campaigns (a token's set); undefined for all. */
  campaigns?: string[];
}

export interface Page {
  count: number;
  page: number;
  lastPage: number;
  /** Each item's representation as JSON text, ready to send. */
  results: string[];
}

/** DRF's page parameter: 1-based integer or "last"; anything else is an invalid page (404). */
export function parsePage(raw: unknown): PageRequest {
  if (raw === undefined) return 1;
  if (raw === 'last') return 'last';
  if (typeof raw === 'string' && /^\d{1,9}$/.test(raw) && Number(raw) >= 1) return Number(raw);
  throw new NotFoundError('Invalid page.');
}

const likePattern = (term: string): string => `%${term.replace(/[\\%_]/g, '\\$&')}%`;

/** ORDER BY built from whitelisted fields only, always ending in the id tiebreaker. */
export function orderBy(spec: ListSpec, ordering: string | undefined): string {
  const pick = (raw: string) => {
    const seen = new Set<string>();
    return raw.split(',').flatMap((term) => {
      const field = term.trim().replace(/^-/, '');
      // own keys only: "constructor" or "__proto__" are not columns
      if (!Object.hasOwn(spec.orderingColumns, field) || seen.has(field)) return [];
      seen.add(field);
      return [`${spec.orderingColumns[field]} ${term.trim().startsWith('-') ? 'DESC' : 'ASC'}`];
    });
  };
  const terms = pick(ordering ?? '');
  const chosen = terms.length ? terms : pick(spec.defaultOrdering);
  const idColumn = `${spec.alias}.id`;
  if (!chosen.some((t) => t.startsWith(`${idColumn} `))) {
    chosen.push(`${idColumn} ${chosen[0]?.endsWith('DESC') ? 'DESC' : 'ASC'}`);
  }
  return chosen.join(', ');
}

function whereClause(spec: ListSpec, params: ListParams, bind: unknown[]): string {
  const conditions: string[] = [];
  if (params.campaigns) {
    bind.push(params.campaigns);
    conditions.push(`${spec.campaignOf} = ANY($${bind.length}::uuid[])`);
  }
  for (const [param, column] of Object.entries(spec.filterColumns)) {
    const value = params.filters[param];
    if (value === undefined) continue;
    bind.push(value);
    conditions.push(`${column} = $${bind.length}`);
  }
  for (const term of searchTerms(params.search)) {
    bind.push(likePattern(term));
    conditions.push(`(${spec.searchColumns.map((c) => `${c} ILIKE $${bind.length}`).join(' OR ')})`);
  }
  return conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
}

/**
 * One page: a count and the page itself, two queries whatever the page size. Statements
 * are prepared except with search terms, whose number (so the statement text) is the client's.
 */
export async function listPage(sql: Sql, spec: ListSpec, params: ListParams): Promise<Page> {
  const bind: unknown[] = [];
  const where = whereClause(spec, params, bind);
  const from = `FROM ${spec.table} ${spec.alias} ${where}`;
  const prepare = searchTerms(params.search).length === 0;
  const [{ n: count }] = await sql<{ n: number }>(`SELECT count(*)::int AS n ${from}`, bind, { prepare });
  const lastPage = Math.max(1, Math.ceil(count / params.pageSize));
  const page = params.page === 'last' ? lastPage : params.page;
  if (page > lastPage) throw new NotFoundError('Invalid page.');
  const n = bind.length;
  const rows = await sql<{ j: string }>(
    `SELECT ${representation(spec, params.nested)(spec.alias)}::text AS j ${from} ORDER BY ${orderBy(spec, params.ordering)} ` +
      `LIMIT $${n + 1} OFFSET $${n + 2}`,
    [...bind, params.pageSize, (page - 1) * params.pageSize],
    { prepare },
  );
  return { count, page, lastPage, results: rows.map((r) => r.j) };
}

const representation = (spec: ListSpec, nested = true) => (!nested && spec.leanJson) || spec.json;

/** One row's representation, or 404 (also when it lies outside `campaigns`). */
export async function getOne(
  sql: Sql,
  spec: ListSpec,
  id: string,
  campaigns?: string[],
  nested?: boolean,
): Promise<string> {
  const restrict = campaigns ? ` AND ${spec.campaignOf} = ANY($2::uuid[])` : '';
  const rows = await sql<{ j: string }>(
    `SELECT ${representation(spec, nested)(spec.alias)}::text AS j FROM ${spec.table} ${spec.alias} WHERE ${spec.alias}.id = $1${restrict}`,
    campaigns ? [id, campaigns] : [id],
  );
  if (!rows.length) throw new NotFoundError();
  return rows[0].j;
}
