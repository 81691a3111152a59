/**
 * The Secret name a list/watch selects with `fieldSelector=metadata.name=NAME`
 * (or `==`), read from the request URI; null when the request selects no single name.
 * `metadata.name!=NAME` and other fields do not narrow the read to one Secret.
 */
export function fieldSelectedName(requestURI: string | undefined): string | null {
  if (!requestURI) return null;
  // The same URIs come again and again (the audit walk hands the same string each time: its hash is kept in it).
  const known = byUri.get(requestURI);
  if (known !== undefined) return known;
  const name = selectedName(requestURI);
  if (byUri.size >= RECENT_MAX) byUri.clear();
  byUri.set(requestURI, name);
  return name;
}

const byUri = new Map<string, string | null>();

function selectedName(requestURI: string): string | null {
  const q = requestURI.indexOf('?');
  if (q === -1) return null;
  let at = requestURI.indexOf('fieldSelector=', q);
  // the parameter itself, not a value that mentions it
  while (at !== -1 && requestURI[at - 1] !== '?' && requestURI[at - 1] !== '&')
    at = requestURI.indexOf('fieldSelector=', at + 1);
  if (at === -1) return null;
  const valueStart = at + 'fieldSelector='.length;
  const amp = requestURI.indexOf('&', valueStart);
  const raw = requestURI.slice(valueStart, amp === -1 ? undefined : amp);
  // Kubelets watch each Secret they mount with the same selector, over and over.
  const known = recent.get(raw);
  if (known !== undefined) return known;
  if (recent.size >= RECENT_MAX) recent.clear();
  const name = nameOfSelector(raw);
  recent.set(raw, name);
  return name;
}

const RECENT_MAX = 4096;
const recent = new Map<string, string | null>();

function nameOfSelector(raw: string): string | null {
  const selector = raw.includes('%') || raw.includes('+') ? decode(raw) : raw;
  if (selector === null) return null;
  for (const term of selector.split(',')) {
    const m = /^\s*metadata\.name\s*(==|=)\s*(.+?)\s*$/.exec(term);
    if (m) return m[2]!;
  }
  return null;
}

function decode(text: string): string | null {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}
