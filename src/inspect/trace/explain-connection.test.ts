import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { explainConnection } from './explain-connection.js';
import { seedSnapshot } from './testing.js';

describe('explainConnection', () => {
  it('answers the seed\'s question from typed words, the answer last', () => {
    const text = explainConnection(seedSnapshot(), 'client', '10.170.11.11:6379');
    assert.equal(text.trimEnd().split('\n').pop(), '10.170.11.11:6379 is refused: Service default/cluster-service-test exposes 80 (abc → 8080) and 99 (redis → 6379); port 6379 is the container\'s port, use 99');
  });

  it('says what it expects instead of throwing on words it cannot read', () => {
    assert.equal(explainConnection(seedSnapshot(), 'client', 'web'), 'web: TO is ADDRESS:PORT, NAME[.NAMESPACE]:PORT (a Service), a DNS name with :PORT, or a URL\n');
  });
});
