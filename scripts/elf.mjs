// Reads an ELF file's program headers, enough to check that a binary is static: a static (or static-pie)
// executable has no PT_INTERP, so the kernel starts it without a dynamic loader or libc on the host.
import { readFileSync } from 'node:fs';

const PT_INTERP = 3;

/** The interpreter (dynamic loader) path an ELF file asks for, or null when it has none. Throws if not ELF. */
export function elfInterpreter(path) {
  const b = readFileSync(path);
  if (b.length < 52 || b.readUInt32BE(0) !== 0x7f454c46) throw new Error(`${path} is not an ELF file`);
  const is64 = b[4] === 2;
  const le = b[5] === 1;
  const u16 = (o) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
  const u32 = (o) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const uword = (o) => (is64 ? Number(le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o)) : u32(o));
  const phoff = uword(is64 ? 0x20 : 0x1c);
  const phentsize = u16(is64 ? 0x36 : 0x2a);
  const phnum = u16(is64 ? 0x38 : 0x2c);
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (u32(ph) !== PT_INTERP) continue;
    const offset = uword(is64 ? ph + 0x08 : ph + 0x04);
    const size = uword(is64 ? ph + 0x20 : ph + 0x10);
    return b
      .subarray(offset, offset + size)
      .toString('latin1')
      .replace(/\0+$/, '');
  }
  return null;
}
