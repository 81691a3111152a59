// Strings in the order String.prototype.localeCompare gives them (the default locale's collation), from one
// Intl.Collator: localeCompare sets one up on each call, which sorting thousands of rows pays per comparison.
// Made at the first comparison (setting up ICU's collation at start-up would cost every command), or earlier by
// a command that will sort and has time to spare, waiting on the network (prepareTextComparison).
let collator: Intl.Collator | undefined;

export function compareText(a: string, b: string): number {
  if (a === b) return 0; // (the collation's answer too, without its cost: sorted rows share many namespaces)
  return (collator ??= new Intl.Collator()).compare(a, b);
}

/** Sets up the collation now (~7 ms of ICU), so that the first comparison does not pay it. */
export function prepareTextComparison(): void {
  collator ??= new Intl.Collator();
}
