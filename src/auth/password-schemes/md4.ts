// MD4 (RFC 1320). OpenSSL 3 moved MD4 to its legacy provider, so node:crypto cannot be relied on
// for it; Dovecot still offers PLAIN-MD4 (and OTP's "md4"), so Loft carries this small copy.

const rotl = (x: number, n: number): number => (x << n) | (x >>> (32 - n));

export function md4(data: Uint8Array): Buffer {
  const bitLength = data.length * 8;
  const padded = Buffer.alloc((((data.length + 8) >> 6) + 1) * 64);
  padded.set(data);
  padded[data.length] = 0x80;
  padded.writeUInt32LE(bitLength >>> 0, padded.length - 8);
  padded.writeUInt32LE(Math.floor(bitLength / 2 ** 32), padded.length - 4);

  let a = 0x67452301;
  let b = 0xefcdab89;
  let c = 0x98badcfe;
  let d = 0x10325476;
  const x = new Array<number>(16);
  for (let offset = 0; offset < padded.length; offset += 64) {
    for (let i = 0; i < 16; i++) x[i] = padded.readInt32LE(offset + i * 4);
    const [aa, bb, cc, dd] = [a, b, c, d];
    const f = (p: number, q: number, r: number) => (p & q) | (~p & r);
    const g = (p: number, q: number, r: number) => (p & q) | (p & r) | (q & r);
    const h = (p: number, q: number, r: number) => p ^ q ^ r;
    for (const i of [0, 4, 8, 12]) {
      a = rotl(a + f(b, c, d) + x[i], 3);
      d = rotl(d + f(a, b, c) + x[i + 1], 7);
      c = rotl(c + f(d, a, b) + x[i + 2], 11);
      b = rotl(b + f(c, d, a) + x[i + 3], 19);
    }
    for (const i of [0, 1, 2, 3]) {
      a = rotl(a + g(b, c, d) + x[i] + 0x5a827999, 3);
      d = rotl(d + g(a, b, c) + x[i + 4] + 0x5a827999, 5);
      c = rotl(c + g(d, a, b) + x[i + 8] + 0x5a827999, 9);
      b = rotl(b + g(c, d, a) + x[i + 12] + 0x5a827999, 13);
    }
    for (const i of [0, 2, 1, 3]) {
      a = rotl(a + h(b, c, d) + x[i] + 0x6ed9eba1, 3);
      d = rotl(d + h(a, b, c) + x[i + 8] + 0x6ed9eba1, 9);
      c = rotl(c + h(d, a, b) + x[i + 4] + 0x6ed9eba1, 11);
      b = rotl(b + h(c, d, a) + x[i + 12] + 0x6ed9eba1, 15);
    }
    a = (a + aa) | 0;
    b = (b + bb) | 0;
    c = (c + cc) | 0;
    d = (d + dd) | 0;
  }
  const out = Buffer.alloc(16);
  out.writeInt32LE(a, 0);
  out.writeInt32LE(b, 4);
  out.writeInt32LE(c, 8);
  out.writeInt32LE(d, 12);
  return out;
}
