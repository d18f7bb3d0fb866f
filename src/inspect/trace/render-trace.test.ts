import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderTrace } from './render-trace.js';

describe('renderTrace', () => {
  it('writes one marked line per step, details indented, and the verdict last', () => {
    const text = renderTrace([
      { kind: 'source', outcome: 'pass', text: 'From pod default/client', details: [], objects: [] },
      { kind: 'service', outcome: 'stop', text: 'nothing on 6379', details: ['the proxy rejects it'], objects: [] },
      { kind: 'verdict', outcome: 'stop', text: '10.170.11.11:6379 is refused', details: [], objects: [] },
    ]);
    assert.equal(text, '✓ source:  From pod default/client\n✗ service: nothing on 6379\n           · the proxy rejects it\n10.170.11.11:6379 is refused\n');
    assert.equal(renderTrace([{ kind: 'dns', outcome: 'warn', text: 'x', details: ['y'], objects: [] }], { details: false }), '! dns: x\n');
  });
});
