import { boundedMemo } from '../util/bounded-memo.js';

/**
 * The Secret name a list/watch selects with `fieldSelector=metadata.name=NAME`
 * (or `==`), read from the request URI; null when the request selects no single name.
 * `metadata.name!=NAME` and other fields do not narrow the read to one Secret.
 */
export function fieldSelectedName(requestURI: string | undefined): string | null {
  if (!requestURI) return null;
  // Not kept by URI: watches' URIs hold their resourceVersion, so most come once per request.
  const q = requestURI.indexOf('?');
  if (q === -1) return null;
  let at = requestURI.indexOf('fieldSelector=', q);
  // the parameter itself, not a value that mentions it
  while (at !== -1 && requestURI[at - 1] !== '?' && requestURI[at - 1] !== '&')
    at = requestURI.indexOf('fieldSelector=', at + 1);
  if (at === -1) return null;
  const valueStart = at + 'fieldSelector='.length;
  const amp = requestURI.indexOf('&', valueStart);
  // Kubelets watch each Secret they mount with the same selector, over and over.
  return nameOfSelector(requestURI.slice(valueStart, amp === -1 ? undefined : amp));
}

const RECENT_MAX = 4096;

const nameOfSelector = boundedMemo(RECENT_MAX, (raw: string): string | null => {
  const selector = raw.includes('%') || raw.includes('+') ? decode(raw) : raw;
  if (selector === null) return null;
  for (const term of selector.split(',')) {
    const m = /^\s*metadata\.name\s*(==|=)\s*(.+?)\s*$/.exec(term);
    if (m) return m[2]!;
  }
  return null;
});

function decode(text: string): string | null {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}
