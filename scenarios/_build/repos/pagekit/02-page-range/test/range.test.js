'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { pageRange } = require('../src/paginate');

test('pageRange centres on the current page', () => {
  assert.deepEqual(pageRange(6, 20), [4, 5, 6, 7, 8]);
});

test('pageRange stays inside the first pages', () => {
  assert.deepEqual(pageRange(1, 20), [1, 2, 3, 4, 5]);
});

test('pageRange stays inside the last pages', () => {
  assert.deepEqual(pageRange(20, 20), [16, 17, 18, 19, 20]);
});

test('pageRange with fewer pages than the width', () => {
  assert.deepEqual(pageRange(2, 3), [1, 2, 3]);
});
