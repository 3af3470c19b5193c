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

/**
 * Page numbers to link to around `current`: at most `width` consecutive pages,
 * centred on `current` where possible, never outside 1..`last`.
 */
function pageRange(current, last, width = 5) {
  const half = Math.floor(width / 2);
  let first = Math.max(1, current - half);
  const end = Math.min(last, first + width - 1);
  first = Math.max(1, end - width + 1);
  const pages = [];
  for (let page = first; page <= end; page += 1) pages.push(page);
  return pages;
}

module.exports = { pageCount, pageSlice, pageRange };
