'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { pageCount, pageSlice } = require('../src/paginate');

test('pageCount rounds a partial last page up', () => {
  assert.equal(pageCount(25, 10), 3);
});

test('pageSlice returns the requested page', () => {
  const items = Array.from({ length: 25 }, (_, i) => i + 1);
  assert.deepEqual(pageSlice(items, 2, 10), [11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
  assert.deepEqual(pageSlice(items, 3, 10), [21, 22, 23, 24, 25]);
});
