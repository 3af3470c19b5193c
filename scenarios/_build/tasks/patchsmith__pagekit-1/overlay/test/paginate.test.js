'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { pageCount, pageSlice } = require('../src/paginate');

test('pageCount rounds a partial last page up', () => {
  assert.equal(pageCount(25, 10), 3);
});

test('pageCount of an exact multiple has no empty last page', () => {
  assert.equal(pageCount(20, 10), 2);
  assert.equal(pageCount(10, 10), 1);
});

test('pageCount of an empty list is one page', () => {
  assert.equal(pageCount(0, 10), 1);
});

test('pageCount rejects a non-positive page size', () => {
  assert.throws(() => pageCount(10, 0), RangeError);
});

test('pageSlice returns the requested page', () => {
  const items = Array.from({ length: 25 }, (_, i) => i + 1);
  assert.deepEqual(pageSlice(items, 2, 10), [11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
  assert.deepEqual(pageSlice(items, 3, 10), [21, 22, 23, 24, 25]);
});
