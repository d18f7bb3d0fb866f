import assert from 'node:assert/strict';
import { test } from 'node:test';
import { xmlProblems } from './seed-fixtures/testing.js';
import { boxWidth, fitText, textBox } from './text-box.js';

test('a text box is a labelled group whose first line is bold and whose lines are cut to fit', () => {
  const { svg, height } = textBox({ x: 10, y: 20, width: 140, lines: ['pod tomcat-redis', 'a line far too long to fit in the box'], className: 'pod', label: 'pod tomcat-redis <&>' });
  assert.equal(height, 44);
  assert.match(svg, /^<g role="group" aria-label="pod tomcat-redis &lt;&amp;&gt;"><rect x="10" y="20" width="140" height="44" class="pod" rx="4"\/>/);
  assert.match(svg, /<text x="18" y="40" font-weight="bold">pod tomcat-redis<\/text>/);
  assert.match(svg, />a line far too l…<\/text>/);
  assert.deepEqual(xmlProblems(svg), []);
});

test('widths come from the text, within bounds', () => {
  assert.equal(boxWidth(['abc'], 50, 200), 50);
  assert.equal(boxWidth(['x'.repeat(20)], 50, 200), 170);
  assert.equal(boxWidth(['x'.repeat(100)], 50, 200), 200);
  assert.equal(fitText('short', 100), 'short');
});

test('the XML check finds what a reader would reject', () => {
  assert.deepEqual(xmlProblems('<a><b x="1"/></a>'), []);
  assert.deepEqual(xmlProblems('<a><b></a>'), ['</a> closes <b>', 'unclosed <a>']);
  assert.deepEqual(xmlProblems('<a x="1 & 2" focusable/>'), ['bare & in attribute x: & 2', 'attribute focusable of <a> has no quoted value']);
  assert.deepEqual(xmlProblems('<a/><b/>'), ['2 root elements']);
});
