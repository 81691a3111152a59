// Windows PE files: the Node.js binary is Authenticode-signed by the Node.js
// project; embedding the application invalidates that signature, and a stale
// one reads as tampering, so it is removed (the certificate table entry zeroed
// and the table cut off the end of the file): the binary is plainly unsigned.
import { readFileSync, writeFileSync } from 'node:fs';

/** Offset of the optional header's data directory entry `index`, for PE32 and PE32+. */
function dataDirectory(buf, index) {
  const pe = buf.readUInt32LE(0x3c);
  if (buf.toString('latin1', 0, 2) !== 'MZ' || buf.toString('latin1', pe, pe + 4) !== 'PE\0\0')
    throw new Error('not a PE file');
  const optional = pe + 24;
  const magic = buf.readUInt16LE(optional);
  const directories = optional + (magic === 0x20b ? 112 : 96);
  return directories + index * 8;
}

const SECURITY = 4;

/** Removes the Authenticode signature of a PE file in place; returns true if there was one. */
export function stripAuthenticode(file) {
  const buf = readFileSync(file);
  const entry = dataDirectory(buf, SECURITY);
  const offset = buf.readUInt32LE(entry);
  const size = buf.readUInt32LE(entry + 4);
  if (offset === 0 || size === 0) return false;
  buf.writeUInt32LE(0, entry);
  buf.writeUInt32LE(0, entry + 4);
  // The certificate table is not mapped into memory; it is last in the file when present.
  writeFileSync(file, offset + size >= buf.length ? buf.subarray(0, offset) : buf);
  return true;
}
