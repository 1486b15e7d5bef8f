import type { Transaction } from 'sequelize';
import type { Database } from '../db/database';
import { NotFoundError, ValidationError } from '../errors';
import type { Data } from '../models/data.model';
import type { DataInput } from '../schemas/data.schemas';
import { getOne, listPage, type ListParams, type ListSpec } from './list';
import { dataJson } from './representation.sql';

export const DATA_LIST: ListSpec = {
  table: 'datas',
  alias: 'd',
  json: dataJson,
  searchColumns: ['d.context'],
  orderingColumns: { id: 'd.id' },
  defaultOrdering: 'id',
  filterColumns: { campaign: 'd.campaign_id', chat: 'd.chat_id' },
};

const toJson = (d: Data): string =>
  JSON.stringify({ id: d.id, context: d.context, image: d.image, chat: d.chat_id, campaign: d.campaign_id });

const columns = ({ chat, campaign, ...rest }: DataInput) => ({
  ...rest,
  ...(chat !== undefined && { chat_id: chat }),
  ...(campaign !== undefined && { campaign_id: campaign }),
});

export type DataService = ReturnType<typeof createDataService>;

export function createDataService({ sequelize, models: { Chat, Data } }: Database) {
  /** A data's chat must belong to the data's campaign; the chat row is share-locked until commit. */
  async function checkChatCampaign(chatId: string | null, campaignId: string | null, transaction: Transaction) {
    if (!chatId || !campaignId) return;
    const chat = await Chat.findByPk(chatId, {
      transaction,
      lock: transaction.LOCK.SHARE,
      attributes: ['campaign_id'],
    });
    if (!chat) throw new ValidationError({ chat: [`Invalid pk "${chatId}" - object does not exist.`] });
    if (chat.campaign_id !== campaignId) {
      throw new ValidationError({ chat: ['This chat belongs to another campaign than the data.'] });
    }
  }

  return {
    list: (params: ListParams) => listPage(sequelize, DATA_LIST, params),

    get: (id: string) => getOne(sequelize, DATA_LIST, id),

    create: (input: DataInput): Promise<string> =>
      sequelize.transaction(async (transaction) => {
        await checkChatCampaign(input.chat ?? null, input.campaign ?? null, transaction);
        return toJson(await Data.create(columns(input), { transaction }));
      }),

    update: (id: string, input: DataInput): Promise<string> =>
      sequelize.transaction(async (transaction) => {
        const data = await Data.findByPk(id, { transaction, lock: transaction.LOCK.UPDATE });
        if (!data) throw new NotFoundError();
        const chat = input.chat !== undefined ? input.chat : data.chat_id;
        const campaign = input.campaign !== undefined ? input.campaign : data.campaign_id;
        await checkChatCampaign(chat, campaign, transaction);
        return toJson(await data.update(columns(input), { transaction }));
      }),

    async remove(id: string): Promise<void> {
      if (!(await Data.destroy({ where: { id } }))) throw new NotFoundError();
    },
  };
}
