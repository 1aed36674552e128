import assert from "node:assert/strict";
import { test } from "node:test";
import { restartDelay } from "../../src/lmtp/delivery-processes.js";

test("a delivery process that cannot start is tried again after 1 s, doubling, at most after a minute", () => {
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 7, 8, 20].map(restartDelay),
    [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000],
  );
});
