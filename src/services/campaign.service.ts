import { readable, requireScope, requireSees, sees, visibleCampaigns, type Principal } from '../auth/principal';
import type { ServiceContext } from './context';
import { NotFoundError } from '../errors';
import type { Campaign } from '../models/campaign.model';
import type { CampaignRep } from '../protocol';
import type { CampaignInput } from '../schemas/campaign.schemas';
import type { Rendered } from './rendered';
import { getOne, listPage, type ListParams, type ListSpec } from './list';
import { campaignFieldsJson, campaignJson } from './representation.sql';

export const CAMPAIGN_LIST: ListSpec = {
  table: 'campaigns',
  alias: 'k',
  json: campaignJson,
  leanJson: campaignFieldsJson,
  searchColumns: ['k.title', 'k.description', 'k.status'],
  orderingColumns: { created_at: 'k.created_at', updated_at: 'k.updated_at', title: 'k.title' },
  defaultOrdering: '-created_at',
  filterColumns: { status: 'k.status' },
  campaignOf: 'k.id',
};

/** A campaign just created has no chats or datas yet: no second query needed. */
const freshCampaign = (c: Campaign): CampaignRep => ({
  id: c.id,
  title: c.title,
  description: c.description,
  status: c.status,
  created_at: c.created_at.toISOString(),
  updated_at: c.updated_at.toISOString(),
  chats: [],
  datas: [],
});

export type CampaignService = ReturnType<typeof createCampaignService>;

export function createCampaignService({ sql, models: { Campaign } }: ServiceContext) {
  return {
    list: (params: ListParams, p: Principal) =>
      readable(p) && listPage(sql, CAMPAIGN_LIST, { ...params, campaigns: visibleCampaigns(p) }),

    get: (id: string, p: Principal, opts: { nested?: boolean } = {}) =>
      readable(p) && getOne(sql, CAMPAIGN_LIST, id, visibleCampaigns(p), opts.nested),

    /** Whether the principal can see this campaign (outside its set, it does not exist). */
    async visible(id: string, p: Principal): Promise<boolean> {
      return sees(p, id) && (await Campaign.count({ where: { id } })) > 0;
    },

    async create(input: CampaignInput, p: Principal): Promise<CampaignRep> {
      requireScope(p, 'admin');
      return freshCampaign(await Campaign.create({ title: input.title as string, ...input }));
    },

    async update(id: string, input: CampaignInput, p: Principal): Promise<Rendered<CampaignRep>> {
      requireSees(p, id);
      requireScope(p, 'write');
      // an empty PATCH still touches the row, so updated_at advances as in the reference
      const values = Object.keys(input).length ? input : { updated_at: new Date() };
      const [count] = await Campaign.update(values, { where: { id } });
      if (!count) throw new NotFoundError();
      return getOne(sql, CAMPAIGN_LIST, id);
    },

    async remove(id: string, p: Principal): Promise<void> {
      requireSees(p, id);
      requireScope(p, 'admin');
      if (!(await Campaign.destroy({ where: { id } }))) throw new NotFoundError();
    },
  };
}
