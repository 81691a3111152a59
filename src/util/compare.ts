// Strings in the order String.prototype.localeCompare gives them (the default locale's collation), from one
// Intl.Collator: localeCompare sets one up on each call, which sorting thousands of rows pays per comparison.
// Made at the first comparison: setting up ICU's collation at start-up would cost every command.
let collator: Intl.Collator | undefined;

export function compareText(a: string, b: string): number {
  return (collator ??= new Intl.Collator()).compare(a, b);
}
