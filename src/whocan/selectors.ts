import type { LabelSelector } from './types.js';

/**
 * metav1.LabelSelectorAsSelector semantics: requirements are ANDed, an empty
 * selector matches everything, an unknown operator makes the selector invalid
 * (matches nothing, as the aggregation controller then skips it).
 */
export function selectorMatches(
  selector: LabelSelector,
  labels: Readonly<Record<string, string>> | null | undefined,
): boolean {
  const have = labels ?? {};
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (!Object.hasOwn(have, key) || have[key] !== value) return false;
  }
  for (const req of selector.matchExpressions ?? []) {
    const present = Object.hasOwn(have, req.key);
    const values = req.values ?? [];
    switch (req.operator) {
      case 'In':
        if (!present || !values.includes(have[req.key]!)) return false;
        break;
      case 'NotIn':
        if (present && values.includes(have[req.key]!)) return false;
        break;
      case 'Exists':
        if (!present) return false;
        break;
      case 'DoesNotExist':
        if (present) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}
