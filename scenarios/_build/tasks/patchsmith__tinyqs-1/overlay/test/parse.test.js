'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { parse } = require('../src/index');

test('parse simple pairs', () => {
  assert.deepEqual(parse('a=1&b=2'), { a: '1', b: '2' });
});

test('parse ignores a leading question mark', () => {
  assert.deepEqual(parse('?q=shoes'), { q: 'shoes' });
});

test('parse decodes plus signs and percent escapes', () => {
  assert.deepEqual(parse('q=red+shoes&city=S%C3%A3o%20Paulo'), { q: 'red shoes', city: 'São Paulo' });
});

test('parse keeps equals signs inside values', () => {
  assert.deepEqual(parse('token=abc==&x=1'), { token: 'abc==', x: '1' });
});

test('parse a key without a value', () => {
  assert.deepEqual(parse('debug&x=1'), { debug: '', x: '1' });
});

test('parse collects repeated keys into an array', () => {
  assert.deepEqual(parse('tag=x&tag=y&tag=z&n=1'), { tag: ['x', 'y', 'z'], n: '1' });
});

test('parse round-trips stringify', () => {
  const { stringify } = require('../src/index');
  const params = { q: 'a&b=c', tag: ['x', 'y'] };
  assert.deepEqual(parse(stringify(params)), params);
});

test('parse of an empty query is an empty object', () => {
  assert.deepEqual(parse(''), {});
  assert.deepEqual(parse('?'), {});
});

test('parse skips empty pairs from stray ampersands', () => {
  assert.deepEqual(parse('a=1&&b=2&'), { a: '1', b: '2' });
});
