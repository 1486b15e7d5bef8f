import { AppError, invalidPk, NotFoundError } from '../errors';

export const SCOPES = ['read', 'write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** Who is asking, from a verified token (or the open development mode). */
export interface Principal {
  sub: string;
  scopes: ReadonlySet<Scope>;
  /** The campaigns this principal may see: every one, or a set of ids. */
  campaigns: '*' | ReadonlySet<string>;
  /** Expiry as epoch seconds, when the token has one. */
  expiresAt?: number;
}

/** Development without token settings: everything is allowed. */
export const OPEN_PRINCIPAL: Principal = { sub: 'anonymous', scopes: new Set(SCOPES), campaigns: '*' };

/** The token's subject; open mode has none (its principal is everyone's). */
export const subjectOf = (p: Principal): string | undefined => (p === OPEN_PRINCIPAL ? undefined : p.sub);

/** admin ⊇ write ⊇ read. */
export function allows(p: Principal, scope: Scope): boolean {
  if (p.scopes.has('admin')) return true;
  if (scope === 'admin') return false;
  return p.scopes.has(scope) || (scope === 'read' && p.scopes.has('write'));
}

export function requireScope(p: Principal, scope: Scope): void {
  if (!allows(p, scope)) throw new AppError('forbidden', 'You do not have permission to perform this action.');
}

/** Guards a read: true, or 403 for a token without the read scope. */
export function readable(p: Principal): true {
  requireScope(p, 'read');
  return true;
}

/** A campaign outside the principal's set does not exist, as far as it can tell. */
export const sees = (p: Principal, campaignId: string | null | undefined): boolean =>
  p.campaigns === '*' || (!!campaignId && p.campaigns.has(campaignId.toLowerCase()));

export function requireSees(p: Principal, campaignId: string | null | undefined): void {
  if (!sees(p, campaignId)) throw new NotFoundError();
}

/** A campaign outside the set, named by a write, is reported exactly like a missing one. */
export function requireVisibleTarget(p: Principal, field: string, campaignId: string): void {
  if (!sees(p, campaignId)) throw invalidPk(field, campaignId);
}

/** The ids to restrict a query to, or undefined for every campaign. */
export const visibleCampaigns = (p: Principal): string[] | undefined =>
  p.campaigns === '*' ? undefined : [...p.campaigns];
