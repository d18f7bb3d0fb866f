import { test } from 'node:test';
import assert from 'node:assert/strict';
import { el, escapeXml, svgDocument, text } from './svg.js';

test('escapeXml escapes markup and quotes', () => {
  assert.equal(escapeXml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
});

test('el keeps attribute order, drops undefined and false, rounds numbers', () => {
  assert.equal(el('rect', { x: 1.234, y: 2, hidden: false, title: undefined, focusable: true }), '<rect x="1.23" y="2" focusable/>');
  assert.equal(text(0, 10, 'a<b'), '<text x="0" y="10">a&lt;b</text>');
});

test('svgDocument is labelled by its title and description', () => {
  const doc = svgDocument({ width: 10, height: 20, title: 'Pod "web"', description: 'one container' });
  assert.match(doc, /role="img" aria-labelledby="title desc"/);
  assert.match(doc, /<title id="title">Pod &quot;web&quot;<\/title><desc id="desc">one container<\/desc>/);
});
