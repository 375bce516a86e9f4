// Unit tests, under Node, of the markdown parser's rule set (js/markdown.js):
// what Discord-flavoured input becomes, what must stay text, and that
// hostile input parses quickly. The DOM rendering is tested in Chromium by
// rich.test.mjs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatTimestamp, parse, safeURL } from '../static/js/markdown.js';

// types flattens a tree to its node types, depth first.
function types(ast) {
  const out = [];
  const walk = (n) => {
    if (Array.isArray(n)) { n.forEach(walk); return; }
    out.push(n.type);
    if (Array.isArray(n.content)) walk(n.content);
    if (Array.isArray(n.items)) n.items.forEach(walk);
  };
  walk(ast);
  return out;
}

test('inline styles', () => {
  assert.deepEqual(types(parse('**b** *i* __u__ ~~s~~ ||sp|| `c`')).filter((t) => t !== 'text'),
    ['strong', 'em', 'u', 'del', 'spoiler', 'inlineCode']);
  assert.deepEqual(types(parse('***both***')).filter((t) => t !== 'text'), ['em', 'strong']);
});

test('line-start rules apply only at the start of a line', () => {
  assert.equal(parse('# Title')[0].type, 'heading');
  assert.equal(parse('### Three')[0].level, 3);
  assert.ok(!types(parse('#### Four')).includes('heading'), 'Discord has three header levels');
  assert.ok(!types(parse('a # not a title')).includes('heading'));
  assert.ok(!types(parse('#nospace')).includes('heading'));
  assert.equal(parse('-# small')[0].type, 'subtext');
  assert.equal(parse('text\n# Title')[2].type, 'heading');
  assert.ok(!types(parse('a - b')).includes('list'));
});

test('quotes: > takes one line, >>> the rest; no quote in a quote', () => {
  const one = parse('> a\nb');
  assert.equal(one[0].type, 'blockQuote');
  assert.deepEqual(one.slice(1).map((n) => n.content), ['b']);
  const rest = parse('>>> a\nb');
  assert.equal(rest.length, 1);
  assert.equal(types(rest).filter((t) => t === 'blockQuote').length, 1);
  assert.equal(types(parse('> > inner')).filter((t) => t === 'blockQuote').length, 1);
});

test('lists, code blocks with a language', () => {
  const [ul, ol] = parse('- a\n- b\n3. c\n4. d');
  assert.equal(ul.ordered, false);
  assert.equal(ul.items.length, 2);
  assert.equal(ol.ordered, true);
  assert.equal(ol.start, 3);
  const [code] = parse('```py\nprint(1)\n```');
  assert.deepEqual([code.type, code.lang, code.content], ['codeBlock', 'py', 'print(1)']);
  const [bare] = parse('```**not bold**```');
  assert.deepEqual([bare.type, bare.lang, bare.content], ['codeBlock', '', '**not bold**']);
});

test('mentions, emoji and timestamps', () => {
  const ast = parse('<@1> <@!2> <@&3> <#4> @everyone @here <:ee:5> <a:ff:6> <t:7:R> <t:8>');
  const picked = ast.filter((n) => n.type !== 'text').map((n) => [n.type, n.id || n.which || n.unix || n.name]);
  assert.deepEqual(picked, [
    ['userMention', '1'], ['userMention', '2'], ['roleMention', '3'], ['channelMention', '4'],
    ['everyone', 'everyone'], ['everyone', 'here'], ['emoji', '5'], ['emoji', '6'], ['timestamp', 7], ['timestamp', 8],
  ]);
  assert.equal(ast.find((n) => n.id === '6').animated, true);
  assert.equal(ast.filter((n) => n.type === 'timestamp')[1].style, 'f');
  assert.ok(!types(parse('<t:1:X>')).includes('timestamp'), 'an unknown style is text');
});

test('links: masked, bare and angle-bracketed; only http(s) is a target', () => {
  const ast = parse('[t](https://a.example/x) https://b.example <https://c.example>');
  assert.deepEqual(ast.filter((n) => n.type === 'link').map((n) => n.target), ['https://a.example/x', 'https://b.example', 'https://c.example']);
  assert.equal(safeURL('https://a.example/x'), 'https://a.example/x');
  for (const bad of ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', ' javascript:alert(1)', 'data:text/html,x', 'vbscript:x', '//evil.example', '/relative']) {
    assert.equal(safeURL(bad), null, bad);
  }
});

test('markup-looking HTML stays text', () => {
  const ast = parse('<script>alert(1)</script><img src=x onerror=alert(1)>');
  assert.deepEqual([...new Set(types(ast))], ['text']);
  assert.equal(ast.map((n) => n.content).join(''), '<script>alert(1)</script><img src=x onerror=alert(1)>');
});

test('hostile input parses fast and keeps its text', () => {
  for (const s of ['*'.repeat(4000), '**_'.repeat(1300), '||'.repeat(2000), '['.repeat(3000) + '](http://x)', '<'.repeat(4000),
    '~~a'.repeat(1300), '_a'.repeat(2000) + '!', '> '.repeat(2000), '||**__~~*_`>'.repeat(333), '```'.repeat(1300)]) {
    const t0 = performance.now();
    const ast = parse(s);
    const ms = performance.now() - t0;
    assert.ok(ms < 500, `${JSON.stringify(s.slice(0, 12))}… took ${ms.toFixed(0)} ms`);
    assert.ok(Array.isArray(ast) && ast.length > 0);
  }
  // Past the parse limit the text is shown as it is.
  const long = '**x** '.repeat(2000);
  assert.deepEqual(parse(long), [{ type: 'text', content: long }]);
});

test('timestamp styles', () => {
  const now = Date.UTC(2024, 0, 10, 12, 0, 0);
  assert.match(formatTimestamp(now / 1000 - 3 * 3600, 'R', now), /3 hours ago/);
  assert.match(formatTimestamp(now / 1000 + 2 * 86400, 'R', now), /in 2 days/);
  for (const s of ['t', 'T', 'd', 'D', 'f', 'F']) assert.ok(formatTimestamp(now / 1000, s).length > 0, s);
  assert.equal(formatTimestamp(1e17, 'f'), null);
});
