// A discord.js v14 bot that answers "!ping" with "pong", unmodified except
// for the REST base URL (the gateway URL comes from GET /gateway/bot).
// Checked against Accord with discord.js 14.28.1:
//
//   npm install discord.js@14
//   node bot.js http://127.0.0.1:8080 "$BOT_TOKEN"
const { Client, GatewayIntentBits, Events } = require('discord.js');

const [base = 'http://127.0.0.1:8080', token = process.env.BOT_TOKEN] = process.argv.slice(2);
const client = new Client({
  intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent],
  rest: { api: `${base}/api` },
});
client.once(Events.ClientReady, (c) => console.log(`logged in as ${c.user.tag} in ${c.guilds.cache.size} guilds`));
client.on(Events.MessageCreate, async (m) => {
  if (m.author.id !== client.user.id && m.content.trim() === '!ping') await m.channel.send('pong');
});
client.login(token);
