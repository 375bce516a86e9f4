// Point discord.js 14 at an Accord server: the snippet the README shows.
// Only the REST base changes: discord.js asks GET /gateway/bot for the
// gateway URL (Accord answers with its own) and resumes at the
// resume_gateway_url of READY (Accord's too).
const { Client } = require('discord.js');

/** accordClient is `new Client(...)` aimed at the Accord server at base, e.g. "http://127.0.0.1:8080". */
function accordClient(base, options) {
  return new Client({ ...options, rest: { ...options.rest, api: `${base}/api` } });
}

module.exports = { accordClient };
