import { createHash } from "node:crypto";
import { hostname } from "node:os";

/**
 * A 128-bit message GUID laid out like Dovecot's guid_128_generate() (observed in `G` metadata):
 * nanoseconds and seconds of the clock (little endian), the pid, and a hash of the host name, as 32
 * lowercase hex digits. Within one process the nanoseconds only go up, so two GUIDs never repeat.
 */
let hostHash: Buffer | undefined;
let last = { secs: 0, nsecs: 0 };

export function newMessageGuid(now = Date.now()): string {
  let secs = Math.floor(now / 1000);
  let nsecs = (now % 1000) * 1_000_000 + Number(process.hrtime.bigint() % 1_000_000n);
  if (secs < last.secs || (secs === last.secs && nsecs <= last.nsecs)) {
    secs = last.secs;
    nsecs = last.nsecs + 1;
    if (nsecs >= 1_000_000_000) {
      secs++;
      nsecs = 0;
    }
  }
  last = { secs, nsecs };
  const guid = Buffer.alloc(16);
  guid.writeUInt32LE(nsecs, 0);
  guid.writeUInt32LE(secs >>> 0, 4);
  guid.writeUInt32LE(process.pid >>> 0, 8);
  // Made at first use: loading node:crypto at import was a cost to every loft-lda start.
  hostHash ??= createHash("sha1").update(hostname()).digest().subarray(0, 4);
  hostHash.copy(guid, 12);
  return guid.toString("hex");
}
