'use strict';

function decode(text) {
  return decodeURIComponent(text.replace(/\+/g, ' '));
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

/** Build 'a=1&b=2' from { a: 1, b: 2 }; undefined values are left out. */
function stringify(params) {
  return Object.entries(params)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`)
    .join('&');
}

module.exports = { parse, stringify };
