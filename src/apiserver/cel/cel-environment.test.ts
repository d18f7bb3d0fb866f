import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CelEnvironment, celErrorMessage } from './cel-environment.js';

describe('CelEnvironment', () => {
  const env = new CelEnvironment({ variables: ['self'] });
  const run = (expression: string, self: unknown): unknown => {
    const compiled = env.compile(expression);
    assert.ok(compiled.program, compiled.error);
    return env.run(compiled.program, { self });
  };

  it('reads RE2 inline flags in matches, as Gateway API rules write them', () => {
    const rule = 'self.service.matches(r"""^(?i)\\.?[a-z_][a-z_0-9]*(\\.[a-z_][a-z_0-9]*)*$""")';
    assert.equal(run(rule, { service: 'grpc.health.v1.Health' }), true);
    assert.equal(run(rule, { service: 'foo-bar' }), false);
    assert.equal(run("'ABC'.matches('(?i)^abc$')", {}), true);
    assert.equal(run("self.matches('^[a-z]+$')", 'abc'), true);
    assert.equal(run("self.exists(s, s.matches('(?i)^X$'))", ['a', 'x']), true);
  });

  it('reports a pattern RegExp cannot read as an evaluation error', () => {
    assert.throws(() => run("self.matches('(?U)a+')", 'aa'), (err: unknown) => /^invalid regular expression: \(\?U\)a\+/.test(celErrorMessage(err)));
  });

  it('still resolves matches on values that are not strings at run time', () => {
    assert.throws(() => run("self.matches('a')", 5), (err: unknown) => /no matching overload/.test(celErrorMessage(err)));
  });
});
