'use strict';

// Demo content for `npm run db:seed`: three campaigns, each with a short conversation and
// a few datas. Ids are generated here so that chats and datas can name their campaign;
// timestamps are spread out so the default orders (campaigns newest first, chats oldest
// first) read naturally.
const { randomUUID } = require('node:crypto');

const DEMO = [
  {
    title: 'Spring headphones launch',
    description: 'Landing page copy and launch-day posts for the new noise-cancelling headphones.',
    status: 'started',
    chats: [
      ['human', 'Draft three headlines for the launch landing page.'],
      ['ai', 'Options: "Hear everything you choose", "Silence, redesigned", "Your music, undistracted".'],
      ['human', 'Go with the second one and write a two-sentence hero paragraph.'],
      ['ai', 'Silence, redesigned. Forty hours of battery and adaptive noise cancelling that learns your commute.'],
    ],
    datas: [
      { context: 'Brand guidelines, page 4: colours and type', image: 'https://example.com/demo/brand-guide.png' },
      { context: 'Product shot chosen for the hero', image: 'https://example.com/demo/hero.jpg', chat: 3 },
    ],
  },
  {
    title: 'Autumn newsletter',
    description: 'Monthly newsletter for existing customers.',
    status: 'pending',
    chats: [
      ['human', 'Summarise last month in three bullet points for the newsletter.'],
      ['tool', 'analytics.monthly_summary: 12% more orders, 3 new stores, app rating 4.7'],
      ['ai', '• Orders up 12% • Three new stores opened • The app now rates 4.7 stars'],
    ],
    datas: [{ context: 'Analytics export used for the summary', chat: 1 }],
  },
  {
    title: 'Store opening campaign',
    description: 'Posters and local ads for the Lyon store opening.',
    status: 'completed',
    chats: [
      ['human', 'Write a poster tagline for the Lyon opening.'],
      ['ai', 'Lyon, we are open: come and listen.'],
      ['human', 'Approved, thanks!'],
    ],
    datas: [
      { context: 'Final poster', image: 'https://example.com/demo/lyon-poster.png', chat: 1 },
      { context: 'Print order confirmation' },
    ],
  },
];

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

function rows(now) {
  const campaigns = [];
  const chats = [];
  const datas = [];
  DEMO.forEach((demo, i) => {
    const campaignId = randomUUID();
    const createdAt = new Date(now - (DEMO.length - i) * DAY);
    campaigns.push({
      id: campaignId,
      title: demo.title,
      description: demo.description,
      status: demo.status,
      created_at: createdAt,
      updated_at: createdAt,
    });
    const chatIds = demo.chats.map(([author, message], j) => {
      const id = randomUUID();
      chats.push({ id, campaign_id: campaignId, author, message, created_at: new Date(+createdAt + (j + 1) * MINUTE) });
      return id;
    });
    for (const { context, image = '', chat } of demo.datas) {
      datas.push({ context, image, campaign_id: campaignId, chat_id: chat === undefined ? null : chatIds[chat] });
    }
  });
  return { campaigns, chats, datas };
}

module.exports = {
  async up(queryInterface) {
    const { campaigns, chats, datas } = rows(Date.now());
    await queryInterface.sequelize.transaction(async (transaction) => {
      await queryInterface.bulkInsert('campaigns', campaigns, { transaction });
      await queryInterface.bulkInsert('chats', chats, { transaction });
      await queryInterface.bulkInsert('datas', datas, { transaction });
    });
  },

  async down(queryInterface) {
    // chats and datas go with their campaign (ON DELETE CASCADE)
    await queryInterface.bulkDelete('campaigns', { title: DEMO.map((d) => d.title) });
  },
};
