// sequelize-cli configuration. Every environment reads DATABASE_URL (and .env),
// so migrations and seeds run against whatever database the server would use.
require('dotenv').config({ quiet: true });

const url = process.env.DATABASE_URL;
if (!url) {
  throw new Error('DATABASE_URL is not set: sequelize-cli needs a database to talk to');
}
const settings = { url, dialect: 'postgres', logging: false, seederStorage: 'sequelize' };

module.exports = { development: settings, test: settings, production: settings };
