// AssemblyScript: where the walk (record-fields.as.ts) leaves what it read of a line, for the request
// counter (request-tally.as.ts) to read it in place.

/** Eight i32 per field slot: type, start, end, first element's type, string id, (pad), epoch ms or integer as f64. */
export const SLOTS: usize = 0;
export const SLOT_BYTES: i32 = 32;
/** String elements of list fields, four i32 each: type, start, end, string id. */
export const LIST: usize = 11328;
/** Where the caller copies the line. */
export const LINE: usize = 4587520;
/** The first byte past the line's room: the request counter's tables start here (88 pages). */
export const COUNTER_BASE: usize = 5767168;

export const TYPE_STRING: i32 = 1;
export const TYPE_NUMBER: i32 = 2;
export const TYPE_OBJECT: i32 = 3;
export const TYPE_ARRAY: i32 = 4;
export const TYPE_TRUE: i32 = 5;
export const TYPE_FALSE: i32 = 6;
export const TYPE_NULL: i32 = 7;
export const TYPE_ESCAPED: i32 = 8;

@inline export function slotWord(field: i32, word: i32): i32 {
  return load<i32>(SLOTS + <usize>(field * SLOT_BYTES + word * 4));
}

@inline export function slotNumber(field: i32): f64 {
  return load<f64>(SLOTS + <usize>(field * SLOT_BYTES + 24));
}

@inline export function lineByte(i: i32): u32 {
  return <u32>load<u8>(LINE + <usize>i);
}

/** The first index of `byte` in text[from, stop), or -1; sixteen bytes at a time. */
export function indexOfByte(text: usize, from: i32, stop: i32, byte: u8): i32 {
  let i = from;
  const wanted = i8x16.splat(byte);
  for (; i + 16 <= stop; i += 16) {
    const mask = i8x16.bitmask(i8x16.eq(v128.load(text + <usize>i), wanted));
    if (mask != 0) return i + ctz(mask);
  }
  for (; i < stop; i++) if (load<u8>(text + <usize>i) == byte) return i;
  return -1;
}

/** Whether `length` bytes at a and b are the same, eight at a time. */
@inline export function sameBytes(a: usize, b: usize, length: i32): bool {
  let i = 0;
  for (; i + 8 <= length; i += 8) if (load<u64>(a + <usize>i) != load<u64>(b + <usize>i)) return false;
  for (; i < length; i++) if (load<u8>(a + <usize>i) != load<u8>(b + <usize>i)) return false;
  return true;
}

/** The hash of `length` bytes at `at` both string tables use (record-fields.as.ts keep(), request-tally.as.ts intern()); never 0. */
@inline export function bytesHash(at: usize, length: i32): u32 {
  let h: u32 = 0x811c9dc5 ^ <u32>length;
  let i = 0;
  for (; i + 4 <= length; i += 4) h = rotl<u32>((h ^ load<u32>(at + <usize>i)) * 0x9e3779b1, 13);
  for (; i < length; i++) h = (h ^ load<u8>(at + <usize>i)) * 0x01000193;
  h ^= h >> 15;
  return h == 0 ? 1 : h;
}
