'use strict';

/** Number of pages needed to show `total` items, `perPage` at a time. */
function pageCount(total, perPage) {
  return Math.ceil(total / perPage);
}

/** The items shown on page `page` (1-based). */
function pageSlice(items, page, perPage) {
  const start = (page - 1) * perPage;
  return items.slice(start, start + perPage);
}

module.exports = { pageCount, pageSlice };
