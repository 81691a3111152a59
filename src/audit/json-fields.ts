import { utcTimestamp } from './utc-timestamp.js';

/** Narrowing helpers for values that came out of JSON.parse. */

export type JsonObject = Record<string, unknown>;

export function asObject(value: unknown): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : undefined;
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A non-empty string, or null. */
export function nonEmpty(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

export function asNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** First element of a string array (user.extra values are arrays). */
export function firstString(value: unknown): string | null {
  if (typeof value === 'string') return value || null;
  return Array.isArray(value) ? nonEmpty(value[0]) : null;
}

export function stringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** The most milliseconds from the epoch a Date holds, either way. */
const MAX_DATE_MS = 8.64e15;

/** Epoch milliseconds given as a number, when a Date holds them. */
export function epochNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Math.abs(value) <= MAX_DATE_MS ? value : undefined;
}

/** Epoch milliseconds of an RFC3339 timestamp (any number of fraction digits) or of a number a Date holds, or null. */
export function parseTimestamp(value: unknown): number | null {
  if (typeof value === 'number') return epochNumber(value) ?? null;
  if (typeof value !== 'string') return null;
  const ms = utcTimestamp(value) ?? Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}
