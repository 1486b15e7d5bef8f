import type { Transaction } from 'sequelize';
import {
  readable,
  requireScope,
  requireSees,
  requireVisibleTarget,
  sees,
  visibleCampaigns,
  type Principal,
} from '../auth/principal';
import type { ServiceContext } from './context';
import { invalidPk, NotFoundError, ValidationError } from '../errors';
import type { Data } from '../models/data.model';
import type { DataRep } from '../protocol';
import type { DataInput } from '../schemas/data.schemas';
import { getOne, listPage, type ListParams, type ListSpec } from './list';
import { dataCampaign, dataJson } from './representation.sql';

export const DATA_LIST: ListSpec = {
  table: 'datas',
  alias: 'd',
  json: dataJson,
  searchColumns: ['d.context'],
  orderingColumns: { id: 'd.id' },
  defaultOrdering: 'id',
  filterColumns: { campaign: 'd.campaign_id', chat: 'd.chat_id' },
  campaignOf: dataCampaign('d'),
};

const toRep = (d: Data): DataRep => ({
  id: d.id,
  context: d.context,
  image: d.image,
  chat: d.chat_id,
  campaign: d.campaign_id,
});

const columns = ({ chat, campaign, ...rest }: DataInput) => ({
  ...rest,
  ...(chat !== undefined && { chat_id: chat }),
  ...(campaign !== undefined && { campaign_id: campaign }),
});

export type DataService = ReturnType<typeof createDataService>;

export function createDataService({ sequelize, sql, models: { Chat, Data } }: ServiceContext) {
  /**
   * The campaign a data with these keys belongs to: its own, else its chat's. The chat
   * must belong to the data's campaign, and is share-locked until commit so it cannot
   * move meanwhile. A chat the principal cannot see is reported as missing.
   */
  async function owner(chatId: string | null, campaignId: string | null, p: Principal, transaction: Transaction) {
    if (campaignId) requireVisibleTarget(p, 'campaign', campaignId);
    if (!chatId) return campaignId;
    const chat = await Chat.findByPk(chatId, {
      transaction,
      lock: transaction.LOCK.SHARE,
      attributes: ['campaign_id'],
    });
    if (!chat || !sees(p, chat.campaign_id)) {
      throw invalidPk('chat', chatId);
    }
    if (campaignId && chat.campaign_id !== campaignId) {
      throw new ValidationError({ chat: ['This chat belongs to another campaign than the data.'] });
    }
    return chat.campaign_id;
  }

  /** A data attached to nothing is visible only to principals that see every campaign. */
  function requireOwner(campaignId: string | null, p: Principal): void {
    if (!campaignId && p.campaigns !== '*') throw new ValidationError({ campaign: ['This field is required.'] });
  }

  /** The stored data, if the principal can see it; 404 otherwise. */
  async function visibleData(id: string, p: Principal, transaction: Transaction) {
    const data = await Data.findByPk(id, { transaction, lock: transaction.LOCK.UPDATE });
    if (!data) throw new NotFoundError();
    let campaign = data.campaign_id;
    if (!campaign && data.chat_id) campaign = (await Chat.findByPk(data.chat_id, { transaction }))?.campaign_id ?? null;
    requireSees(p, campaign);
    return data;
  }

  return {
    list: (params: ListParams, p: Principal) =>
      readable(p) && listPage(sql, DATA_LIST, { ...params, campaigns: visibleCampaigns(p) }),

    get: (id: string, p: Principal) => readable(p) && getOne(sql, DATA_LIST, id, visibleCampaigns(p)),

    create: (input: DataInput, p: Principal): Promise<DataRep> =>
      sequelize.transaction(async (transaction) => {
        requireOwner(await owner(input.chat ?? null, input.campaign ?? null, p, transaction), p);
        requireScope(p, 'write');
        return toRep(await Data.create(columns(input), { transaction }));
      }),

    update: (id: string, input: DataInput, p: Principal): Promise<DataRep> =>
      sequelize.transaction(async (transaction) => {
        const data = await visibleData(id, p, transaction);
        requireScope(p, 'write');
        const chat = input.chat !== undefined ? input.chat : data.chat_id;
        const campaign = input.campaign !== undefined ? input.campaign : data.campaign_id;
        requireOwner(await owner(chat, campaign, p, transaction), p);
        return toRep(await data.update(columns(input), { transaction }));
      }),

    remove: (id: string, p: Principal): Promise<void> =>
      sequelize.transaction(async (transaction) => {
        const data = await visibleData(id, p, transaction);
        requireScope(p, 'write');
        await data.destroy({ transaction });
      }),
  };
}
