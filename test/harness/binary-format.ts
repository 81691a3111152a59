// Reads what a release binary is from its bytes, independently of the tools
// that made it: ELF, Mach-O or PE, and its CPU; for Mach-O, checks the code
// signature the way macOS does for an ad-hoc signature (every page hash).
import { createHash } from 'node:crypto';

export interface BinaryFormat {
  format: 'ELF' | 'Mach-O' | 'PE';
  arch: 'amd64' | 'arm64';
}

const ELF_MACHINES: Record<number, BinaryFormat['arch']> = { 0x3e: 'amd64', 0xb7: 'arm64' };
const MACHO_CPUS: Record<number, BinaryFormat['arch']> = { 0x01000007: 'amd64', 0x0100000c: 'arm64' };
const PE_MACHINES: Record<number, BinaryFormat['arch']> = { 0x8664: 'amd64', 0xaa64: 'arm64' };

export function binaryFormat(buf: Buffer): BinaryFormat {
  if (buf.readUInt32BE(0) === 0x7f454c46) {
    if (buf[4] !== 2) throw new Error('ELF: not 64-bit');
    return { format: 'ELF', arch: known(ELF_MACHINES, buf.readUInt16LE(18), 'ELF machine') };
  }
  if (buf.readUInt32LE(0) === 0xfeedfacf)
    return { format: 'Mach-O', arch: known(MACHO_CPUS, buf.readUInt32LE(4), 'Mach-O cputype') };
  if (buf.toString('latin1', 0, 2) === 'MZ') {
    const pe = buf.readUInt32LE(0x3c);
    if (buf.toString('latin1', pe, pe + 4) !== 'PE\0\0') throw new Error('MZ without a PE header');
    return { format: 'PE', arch: known(PE_MACHINES, buf.readUInt16LE(pe + 4), 'PE machine') };
  }
  throw new Error(`unknown binary format (magic ${buf.subarray(0, 4).toString('hex')})`);
}

function known<T>(table: Record<number, T>, key: number, what: string): T {
  const value = table[key];
  if (value === undefined) throw new Error(`${what} 0x${key.toString(16)} is not amd64 or arm64`);
  return value;
}

/** PE: the optional header's subsystem (3 = console) and its certificate table entry. */
export function peInfo(buf: Buffer): { subsystem: number; certificateTable: { offset: number; size: number } } {
  const optional = buf.readUInt32LE(0x3c) + 24;
  const directories = optional + (buf.readUInt16LE(optional) === 0x20b ? 112 : 96);
  const security = directories + 4 * 8;
  return {
    subsystem: buf.readUInt16LE(optional + 68),
    certificateTable: { offset: buf.readUInt32LE(security), size: buf.readUInt32LE(security + 4) },
  };
}

const LC_CODE_SIGNATURE = 0x1d;
const CSMAGIC_EMBEDDED_SIGNATURE = 0xfade0cc0;
const CSMAGIC_CODEDIRECTORY = 0xfade0c02;
const CS_ADHOC = 0x2;
const HASH_SHA256 = 2;

export interface CodeSignature {
  adhoc: boolean;
  identifier: string;
  pages: number;
  /** Code pages whose hash does not match the file. */
  badPages: number;
  /** The signature covers the file up to where the signature starts. */
  coversWholeFile: boolean;
}

/** The embedded code signature of a thin 64-bit Mach-O, with every code page hash checked. */
export function machoSignature(buf: Buffer): CodeSignature | undefined {
  const ncmds = buf.readUInt32LE(16);
  let at = 32;
  for (let i = 0; i < ncmds; i++) {
    const cmd = buf.readUInt32LE(at);
    if (cmd === LC_CODE_SIGNATURE) return readSignature(buf, buf.readUInt32LE(at + 8), buf.readUInt32LE(at + 12));
    at += buf.readUInt32LE(at + 4);
  }
  return undefined;
}

function readSignature(buf: Buffer, dataoff: number, datasize: number): CodeSignature {
  const blob = buf.subarray(dataoff, dataoff + datasize);
  if (blob.readUInt32BE(0) !== CSMAGIC_EMBEDDED_SIGNATURE)
    throw new Error('code signature: not an embedded signature superblob');
  const count = blob.readUInt32BE(8);
  for (let i = 0; i < count; i++) {
    const type = blob.readUInt32BE(12 + i * 8);
    const offset = blob.readUInt32BE(16 + i * 8);
    if (type === 0) return readCodeDirectory(buf, blob.subarray(offset), dataoff);
  }
  throw new Error('code signature: no CodeDirectory');
}

function readCodeDirectory(buf: Buffer, cd: Buffer, dataoff: number): CodeSignature {
  if (cd.readUInt32BE(0) !== CSMAGIC_CODEDIRECTORY) throw new Error('code signature: bad CodeDirectory magic');
  const flags = cd.readUInt32BE(12);
  const hashOffset = cd.readUInt32BE(16);
  const identOffset = cd.readUInt32BE(20);
  const nCodeSlots = cd.readUInt32BE(28);
  const codeLimit = cd.readUInt32BE(32);
  const hashSize = cd[36]!;
  const hashType = cd[37]!;
  const pageSize = 2 ** cd[39]!;
  if (hashType !== HASH_SHA256 || hashSize !== 32)
    throw new Error(`code signature: hash type ${hashType} is not SHA-256`);
  let badPages = 0;
  for (let i = 0; i < nCodeSlots; i++) {
    const page = buf.subarray(i * pageSize, Math.min((i + 1) * pageSize, codeLimit));
    const want = cd.subarray(hashOffset + i * hashSize, hashOffset + (i + 1) * hashSize);
    if (!createHash('sha256').update(page).digest().equals(want)) badPages++;
  }
  const identifier = cd.toString('utf8', identOffset, cd.indexOf(0, identOffset));
  return {
    adhoc: (flags & CS_ADHOC) !== 0,
    identifier,
    pages: nCodeSlots,
    badPages,
    coversWholeFile: codeLimit === dataoff && nCodeSlots === Math.ceil(codeLimit / pageSize),
  };
}
