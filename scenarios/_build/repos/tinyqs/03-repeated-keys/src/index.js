'use strict';

function decode(text) {
  return decodeURIComponent(text.replace(/\+/g, ' '));
}

function encodePair(key, value) {
  return `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`;
}

function splitPair(pair) {
  const eq = pair.indexOf('=');
  if (eq === -1) return [decode(pair), ''];
  return [decode(pair.slice(0, eq)), decode(pair.slice(eq + 1))];
}

/**
 * Parse 'a=1&b=2' (a leading '?' is ignored) into { a: '1', b: '2' }.
 * A key that appears more than once collects its values in an array:
 * 'tag=x&tag=y' -> { tag: ['x', 'y'] }.
 */
function parse(query) {
  const result = {};
  const text = query.startsWith('?') ? query.slice(1) : query;
  for (const [key, value] of text.split('&').map(splitPair)) {
    if (!Object.prototype.hasOwnProperty.call(result, key)) {
      result[key] = value;
    } else if (Array.isArray(result[key])) {
      result[key].push(value);
    } else {
      result[key] = [result[key], value];
    }
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
