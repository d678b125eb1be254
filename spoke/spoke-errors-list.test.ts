import { describe, expect, it } from "vitest";
import type { StatusReportInput } from "../protocol/index.js";
import { MAX_SPOKE_ERRORS, SpokeReconciler, type SpokeReconcilerOptions } from "./spoke-reconciler.js";
import { appStatus } from "./status-report.js";

// The spoke-level error list in status reports: one entry per source and code, bounded, and gone
// once the failing part works again. Only the report path is exercised, so the cluster-side
// collaborators are never called.
function reconciler(): { r: SpokeReconciler; reports: StatusReportInput[] } {
  const reports: StatusReportInput[] = [];
  const unused = {} as never;
  const options: SpokeReconcilerOptions = {
    fleet: "demo",
    cluster: "c1",
    client: unused,
    manager: unused,
    inventories: unused,
    decryptor: unused,
    keys: unused,
    drift: unused,
    clock: { now: () => 0, sleep: () => Promise.resolve() },
    report: (report) => reports.push(report),
  };
  return { r: new SpokeReconciler(options), reports };
}

describe("spoke-level errors", () => {
  it("the same rejection repeated is one entry with the latest message", () => {
    const { r } = reconciler();
    for (let i = 0; i < 1000; i++) r.recordError("ENVELOPE_BAD_SIGNATURE", `rejected generation ${String(i)}`);
    expect(r.statusReport().errors).toEqual([{ code: "ENVELOPE_BAD_SIGNATURE", message: "rejected generation 999" }]);
  });

  it("distinct errors are bounded, the oldest dropped first", () => {
    const { r } = reconciler();
    for (let i = 0; i < 200; i++) r.recordError(`CODE_${String(i)}`, "x");
    const errors = r.statusReport().errors ?? [];
    expect(errors).toHaveLength(MAX_SPOKE_ERRORS);
    expect(errors[0]?.code).toBe(`CODE_${String(200 - MAX_SPOKE_ERRORS)}`);
    expect(errors.at(-1)?.code).toBe("CODE_199");
  });

  it("clears when its source recovers, and only that source's", () => {
    const { r } = reconciler();
    r.recordError("SPOKE_CACHE_INVALID", "cached envelope rejected: ENVELOPE_BAD_SIGNATURE");
    r.recordError("BUNDLE_DECODE_FAILED", "bad bundle");
    r.recordError("SPOKE_KEYS_FAILED", "backup too large", "key-backup");
    expect(r.clearErrors("desired-state")).toBe(true);
    expect(r.statusReport().errors).toEqual([{ code: "SPOKE_KEYS_FAILED", message: "backup too large" }]);
    expect(r.clearErrors("desired-state")).toBe(false);
    r.clearErrors("key-backup");
    expect(r.statusReport().errors).toBeUndefined();
  });
});

describe("app health when the app's secrets do not open", () => {
  const failure = { reason: "DecryptFailed", code: "SPOKE_DECRYPT_FAILED", message: "Secret/app/db: SOPS_MAC_MISMATCH" };
  it("is Degraded, never Healthy, even with nothing applied yet", () => {
    expect(appStatus({ name: "a", objects: [], pending: true, failure })).toMatchObject({ sync: "OutOfSync", health: "Degraded", error: { code: "SPOKE_DECRYPT_FAILED" } });
  });
  it("another failure before anything was applied is Missing", () => {
    expect(appStatus({ name: "a", objects: [], pending: true, failure: { ...failure, reason: "ApplyFailed", code: "SPOKE_APPLY_FAILED" } })).toMatchObject({ health: "Missing" });
  });
});
