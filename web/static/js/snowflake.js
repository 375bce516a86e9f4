// Snowflake helpers. Discord ids are 64-bit integers sent as decimal strings;
// they are compared as strings (shorter is smaller) so that no id ever passes
// through a float64.

/** Discord's epoch, 2015-01-01T00:00:00Z, in Unix milliseconds. */
export const DISCORD_EPOCH = 1420070400000n;

/** compare returns <0, 0 or >0 as snowflake a sorts before, with or after b. */
export function compare(a, b) {
  if (a === b) return 0;
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : 1;
}

/** max returns the later of two snowflakes; either may be null. */
export function max(a, b) {
  if (!a) return b || null;
  if (!b) return a;
  return compare(a, b) >= 0 ? a : b;
}

/** time returns the creation time encoded in a snowflake. */
export function time(id) {
  return new Date(Number((BigInt(id) >> 22n) + DISCORD_EPOCH));
}

let lastNonce = 0n;

/**
 * nonce returns a fresh snowflake-shaped string (at most 20 digits, within
 * Discord's 25-character nonce limit) for deduplicating a message send.
 */
export function nonce() {
  let n = (BigInt(Date.now()) - DISCORD_EPOCH) << 22n;
  if (n <= lastNonce) n = lastNonce + 1n;
  lastNonce = n;
  return n.toString();
}
