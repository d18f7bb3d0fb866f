import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { re2RegExp } from './re2-pattern.js';

describe('re2RegExp', () => {
  it('hands a pattern without flag groups to RegExp as it is', () => {
    const re = re2RegExp('^[A-Za-z_][A-Za-z_0-9]*$');
    assert.equal(re.source, '^[A-Za-z_][A-Za-z_0-9]*$');
    assert.equal(re.flags, '');
  });

  it('turns leading flag groups, also after a leading ^, into RegExp flags', () => {
    const service = re2RegExp('^(?i)\\.?[a-z_][a-z_0-9]*(\\.[a-z_][a-z_0-9]*)*$');
    assert.equal(service.flags, 'i');
    assert.ok(service.test('grpc.health.v1.Health'));
    assert.ok(service.test('.Foo_Bar'));
    assert.ok(!service.test('foo-bar'));
    assert.ok(!service.test('1foo'));
    assert.ok(re2RegExp('(?i)abc').test('xABCx'));
    assert.ok(re2RegExp('(?is)a.c').test('A\nC'));
    assert.ok(re2RegExp('(?i)(?s)a.c').test('A\nC'));
    assert.ok(!re2RegExp('(?i)(?-i)abc').test('ABC'));
    assert.ok(!re2RegExp('(?i-s)a.c').test('A\nC'));
  });

  it('keeps the meaning RE2 gives ^ around (?m)', () => {
    // Written before (?m), ^ is the start of the text; after it, the start of any line.
    assert.ok(!re2RegExp('^(?m)b').test('a\nb'));
    assert.ok(re2RegExp('^(?m)a$').test('a\nb'));
    assert.ok(re2RegExp('(?m)^b$').test('a\nb'));
    assert.ok(re2RegExp('(?m)^(?-m)b').test('a\nb'));
    assert.ok(!re2RegExp('(?m)^(?-m)b$').test('a\nb\nc'));
  });

  it('rejects what RegExp cannot express, as SyntaxError', () => {
    assert.throws(() => re2RegExp('(?U)a+'), SyntaxError);
    assert.throws(() => re2RegExp('(?x)a'), SyntaxError);
    assert.throws(() => re2RegExp('(?)a'), SyntaxError);
    assert.throws(() => re2RegExp('a(?i)b'), SyntaxError);
    assert.throws(() => re2RegExp('(a'), SyntaxError);
  });
});
