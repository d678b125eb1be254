import { describe, expect, it } from "vitest";
import { INITIAL_LEASE_STATE, acquired, decide, holds, leaseTiming, lost, nextCheckIn, observe, parseLeaseRecord, type LeaseRecord } from "./leader-lease.js";

const timing = leaseTiming(10_000);
const record = (holder: string, leaseMs = 10_000): LeaseRecord => ({ holder, nonce: "n", leaseMs, acquiredAt: 0, renewedAt: 0 });

describe("hub leader lease", () => {
  it("creates the key when it never existed, and takes a released one at once", () => {
    expect(decide(observe(INITIAL_LEASE_STATE, { revision: 0, record: null }, 5), timing, 5)).toEqual({ kind: "create" });
    expect(decide(observe(INITIAL_LEASE_STATE, { revision: 7, record: null }, 5), timing, 5)).toEqual({ kind: "update", revision: 7, why: "takeover" });
  });

  it("a standby takes over only after the revision it saw has stood for the holder's whole lease, on its own clock", () => {
    let s = observe(INITIAL_LEASE_STATE, { revision: 3, record: record("a") }, 1_000);
    expect(decide(s, timing, 10_999)).toEqual({ kind: "wait" });
    // The leader renewed: the standby's count starts again from when it saw the new revision.
    s = observe(s, { revision: 4, record: record("a") }, 9_000);
    expect(decide(s, timing, 11_000)).toEqual({ kind: "wait" });
    expect(decide(observe(s, { revision: 4, record: record("a") }, 18_000), timing, 19_000)).toEqual({ kind: "update", revision: 4, why: "takeover" });
    expect(nextCheckIn(s, timing, 18_500)).toBe(500);
  });

  it("waits the longer of the holder's lease and its own", () => {
    const s = observe(INITIAL_LEASE_STATE, { revision: 3, record: record("a", 30_000) }, 0);
    expect(decide(s, timing, 29_999).kind).toBe("wait");
    expect(decide(s, timing, 30_000).kind).toBe("update");
  });

  it("a leader stops holding a safety margin before any standby can count its lease as expired", () => {
    const sentAt = 100;
    const leader = acquired(INITIAL_LEASE_STATE, 9, record("b"), sentAt);
    expect(holds(leader, timing, sentAt + timing.leaseMs - timing.safetyMarginMs - 1)).toBe(true);
    expect(holds(leader, timing, sentAt + timing.leaseMs - timing.safetyMarginMs)).toBe(false);
    // The earliest a standby can have seen revision 9 is when it was sent; it takes over a full lease later.
    const standby = observe(INITIAL_LEASE_STATE, { revision: 9, record: record("b") }, sentAt);
    const firstTakeover = sentAt + timing.leaseMs;
    expect(decide(standby, timing, firstTakeover - 1).kind).toBe("wait");
    expect(holds(leader, timing, firstTakeover - 1)).toBe(false);
  });

  it("renews with its own last revision; a term is the revision it acquired at and stays while it renews", () => {
    const a = acquired(INITIAL_LEASE_STATE, 9, record("b"), 0);
    expect(decide(a, timing, timing.renewEveryMs - 1)).toEqual({ kind: "wait" });
    expect(decide(a, timing, timing.renewEveryMs)).toEqual({ kind: "update", revision: 9, why: "renew" });
    const renewed = acquired(a, 12, record("b"), timing.renewEveryMs);
    expect(renewed.term).toBe(9);
    expect(renewed.revision).toBe(12);
    const again = acquired(lost(renewed), 20, record("b"), 50_000);
    expect(again.term).toBe(20);
    expect(nextCheckIn(a, timing, 0)).toBe(Math.min(timing.renewEveryMs, timing.pollEveryMs));
  });

  it("reads anything that is not a lease record as no holder", () => {
    for (const bad of ["", "{", "[]", '{"holder":"a"}', '{"holder":"a","nonce":"n","leaseMs":-1}']) expect(parseLeaseRecord(Buffer.from(bad))).toBeNull();
    expect(parseLeaseRecord(Buffer.from(JSON.stringify(record("a"))))?.holder).toBe("a");
  });
});
