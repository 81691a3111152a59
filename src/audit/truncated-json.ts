/**
 * Keeps the complete top-level members of a JSON object whose text was cut short
 * (CloudWatch truncates events over 256 KB). The audit Event's leading members
 * (auditID, stage, requestURI, verb, user, impersonatedUser, sourceIPs, userAgent,
 * objectRef, responseStatus) come before the bodies that make it large, so they survive.
 * Returns null when no member is complete.
 */
export function completeMembersOf(text: string): string | null {
  let depth = 0;
  let inString = false;
  let lastComma = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) depth--;
    else if (c === 0x2c && depth === 1) lastComma = i;
  }
  return lastComma === -1 ? null : `${text.slice(0, lastComma)}}`;
}

/** CloudWatch's marker, and its limit on one event (256 KB, less a little for its own fields). */
export const TRUNCATED_MARKER = '[Truncated...]';
export const CLOUDWATCH_EVENT_LIMIT = 256 * 1024 - 64;

export function looksTruncated(message: string): boolean {
  return message.endsWith(TRUNCATED_MARKER) || message.length >= CLOUDWATCH_EVENT_LIMIT;
}
