// MD5 (RFC 1321) with its chaining state exposed. Dovecot stores CRAM-MD5 secrets as the two HMAC-MD5
// states left after hashing the padded key (RFC 2195 section 3 suggests exactly this), and
// node:crypto has no way to start a hash from a saved state, so this is done by hand.

export type Md5State = [number, number, number, number];

export const MD5_INITIAL_STATE: Md5State = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];

const S = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
const K = Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) | 0);

/** Runs the MD5 compression function over each 64-byte block of `blocks`. */
export function md5Compress(state: Md5State, blocks: Uint8Array): Md5State {
  const view = Buffer.from(blocks.buffer, blocks.byteOffset, blocks.byteLength);
  let [a0, b0, c0, d0] = state;
  const m = new Array<number>(16);
  for (let offset = 0; offset + 64 <= view.length; offset += 64) {
    for (let i = 0; i < 16; i++) m[i] = view.readInt32LE(offset + i * 4);
    let [a, b, c, d] = [a0, b0, c0, d0];
    for (let i = 0; i < 64; i++) {
      let f: number;
      let g: number;
      if (i < 16) {
        f = (b & c) | (~b & d);
        g = i;
      } else if (i < 32) {
        f = (d & b) | (~d & c);
        g = (5 * i + 1) % 16;
      } else if (i < 48) {
        f = b ^ c ^ d;
        g = (3 * i + 5) % 16;
      } else {
        f = c ^ (b | ~d);
        g = (7 * i) % 16;
      }
      const sum = (a + f + K[i] + m[g]) | 0;
      const s = S[(i >> 4) * 4 + (i % 4)];
      a = d;
      d = c;
      c = b;
      b = (b + ((sum << s) | (sum >>> (32 - s)))) | 0;
    }
    a0 = (a0 + a) | 0;
    b0 = (b0 + b) | 0;
    c0 = (c0 + c) | 0;
    d0 = (d0 + d) | 0;
  }
  return [a0, b0, c0, d0];
}

/** Finishes an MD5 whose first `processed` bytes (a multiple of 64) left `state`, over `data`. */
export function md5Finish(state: Md5State, processed: number, data: Uint8Array): Buffer {
  const total = processed + data.length;
  const padded = Buffer.alloc((((data.length + 8) >> 6) + 1) * 64);
  padded.set(data);
  padded[data.length] = 0x80;
  const bits = total * 8;
  padded.writeUInt32LE(bits >>> 0, padded.length - 8);
  padded.writeUInt32LE(Math.floor(bits / 2 ** 32), padded.length - 4);
  const [a, b, c, d] = md5Compress(state, padded);
  const out = Buffer.alloc(16);
  out.writeInt32LE(a, 0);
  out.writeInt32LE(b, 4);
  out.writeInt32LE(c, 8);
  out.writeInt32LE(d, 12);
  return out;
}
