// Custom emoji in what the user types: Discord's client turns `:name:` of an
// emoji the user may use into `<:name:id>` (`<a:name:id>` when animated)
// before sending, so that every client renders it as the image. Text inside
// code spans and code blocks stays as typed, and an emoji already written
// as `<:name:id>` is left alone. Browser-independent, so Node tests it.

// CODE matches a fenced code block or an inline code span (any run of
// backticks closed by the same run), the parts the markdown renderer shows
// literally.
const CODE = /(`{3,})[\s\S]*?\1|(`+)[^`]*?\2/g;

// SHORTCODE matches `:name:`, with the `<` or `<a` before it and the `id>`
// after it when it is already a custom emoji mention.
const SHORTCODE = /(<a?)?:([A-Za-z0-9_]{2,32}):(\d+>)?/g;

/**
 * expandEmoji returns content with each `:name:` of an emoji in emojis (a
 * guild's emoji the user may use: {id, name, animated}) replaced by its
 * mention. Names match exactly; unknown names stay as typed.
 */
export function expandEmoji(content, emojis) {
  if (!content || !emojis || !emojis.length || content.indexOf(':') < 0) return content;
  const byName = new Map();
  for (const e of emojis) if (e && e.id && e.name && !byName.has(e.name)) byName.set(e.name, e);
  const replace = (text) => text.replace(SHORTCODE, (all, open, name, close) => {
    if (open || close) return all;
    const e = byName.get(name);
    return e ? `<${e.animated ? 'a' : ''}:${e.name}:${e.id}>` : all;
  });
  let out = '';
  let last = 0;
  for (const m of content.matchAll(CODE)) {
    out += replace(content.slice(last, m.index)) + m[0];
    last = m.index + m[0].length;
  }
  return out + replace(content.slice(last));
}

/**
 * usable filters a guild's emoji to those a member with roleIds may use:
 * available ones whose role list is empty or shares a role with the member
 * (the guild's owner may use all of them).
 */
export function usable(emojis, roleIds, isOwner = false) {
  const mine = new Set(roleIds || []);
  return (emojis || []).filter((e) => e && e.id && e.name && e.available !== false
    && (isOwner || !Array.isArray(e.roles) || !e.roles.length || e.roles.some((r) => mine.has(r))));
}
