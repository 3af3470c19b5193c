'use strict';

function decode(text) {
  return decodeURIComponent(text.replace(/\+/g, ' '));
}

function encodePair(key, value) {
  return `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`;
}

/** Parse 'a=1&b=2' (a leading '?' is ignored) into { a: '1', b: '2' }. */
function parse(query) {
  const result = {};
  const text = query.startsWith('?') ? query.slice(1) : query;
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = eq === -1 ? pair : pair.slice(0, eq);
    const value = eq === -1 ? '' : pair.slice(eq + 1);
    result[decode(key)] = decode(value);
  }
  return result;
}

/**
 * Build 'a=1&b=2' from { a: 1, b: 2 }; undefined values are left out and
 * arrays repeat the key: { tag: ['x', 'y'] } -> 'tag=x&tag=y'.
 */
function stringify(params) {
  const parts = [];
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    for (const item of values) parts.push(encodePair(key, item));
  }
  return parts.join('&');
}

module.exports = { parse, stringify };
