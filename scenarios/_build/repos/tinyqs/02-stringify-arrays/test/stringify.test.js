'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { stringify } = require('../src/index');

test('stringify encodes keys and values', () => {
  assert.equal(stringify({ q: 'red shoes', 'a&b': '1' }), 'q=red%20shoes&a%26b=1');
});

test('stringify leaves out undefined values', () => {
  assert.equal(stringify({ a: 1, b: undefined }), 'a=1');
});

test('stringify repeats the key for arrays', () => {
  assert.equal(stringify({ tag: ['x', 'y'], n: 1 }), 'tag=x&tag=y&n=1');
});
