import type { Database } from '../db/database';
import { NotFoundError, ValidationError } from '../errors';
import type { Chat } from '../models/chat.model';
import type { ChatInput } from '../schemas/chat.schemas';
import { getOne, listPage, type ListParams, type ListSpec } from './list';
import { chatJson } from './representation.sql';

export const CHAT_LIST: ListSpec = {
  table: 'chats',
  alias: 'c',
  json: chatJson,
  searchColumns: ['c.message', 'c.author'],
  orderingColumns: { created_at: 'c.created_at' },
  defaultOrdering: 'created_at',
  filterColumns: { campaign: 'c.campaign_id', author: 'c.author' },
};

/** A chat just created has no datas yet: its representation needs no second query. */
export const freshChatJson = (c: Chat): string =>
  JSON.stringify({
    id: c.id,
    campaign: c.campaign_id,
    author: c.author,
    message: c.message,
    created_at: c.created_at.toISOString(),
    datas: [],
  });

const columns = ({ campaign, ...rest }: ChatInput) => ({
  ...rest,
  ...(campaign !== undefined && { campaign_id: campaign }),
});

export type ChatService = ReturnType<typeof createChatService>;

export function createChatService({ sequelize, models: { Chat, Data } }: Database) {
  return {
    list: (params: ListParams) => listPage(sequelize, CHAT_LIST, params),

    get: (id: string) => getOne(sequelize, CHAT_LIST, id),

    async create(input: ChatInput): Promise<string> {
      const chat = await Chat.create(
        columns(input) as { campaign_id: string; author: Chat['author']; message: string },
      );
      return freshChatJson(chat);
    },

    async update(id: string, input: ChatInput): Promise<string> {
      await sequelize.transaction(async (transaction) => {
        const chat = await Chat.findByPk(id, { transaction, lock: transaction.LOCK.UPDATE });
        if (!chat) throw new NotFoundError();
        if (input.campaign !== undefined && input.campaign !== chat.campaign_id) {
          // a data names both its chat and its campaign; moving the chat would split them
          const stranded = await Data.count({ where: { chat_id: id, campaign_id: chat.campaign_id }, transaction });
          if (stranded) {
            throw new ValidationError({ campaign: ['This chat has datas tied to its current campaign.'] });
          }
        }
        await chat.update(columns(input), { transaction });
      });
      return getOne(sequelize, CHAT_LIST, id);
    },

    async remove(id: string): Promise<void> {
      if (!(await Chat.destroy({ where: { id } }))) throw new NotFoundError();
    },
  };
}
