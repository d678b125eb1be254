import { describe, expect, it } from "vitest";
import { decideRollout, maxUpdateOf, type RolloutClusterInput, type RolloutInput } from "./rollout.js";

const steps = [
  { matchExpressions: [{ key: "wave", operator: "In", values: ["canary"] }] },
  { matchExpressions: [{ key: "wave", operator: "In", values: ["main"] }], maxUpdate: 2 },
];

function c(cluster: string, wave: string, extra: Partial<RolloutClusterInput> = {}): RolloutClusterInput {
  return { cluster, labels: { wave }, targetDigest: "new", currentDigest: "old", online: true, observed: null, ...extra };
}

function input(clusters: RolloutClusterInput[], record?: RolloutInput["record"]): RolloutInput {
  return { appSet: "web", revision: "r2", steps, autoRollback: true, clusters, record, now: 1000 };
}

describe("decideRollout", () => {
  it("keeps when each step started, finished and halted, for the rollout page's timeline", () => {
    const healthy = { currentDigest: "new", observed: { health: "Healthy" as const, sync: "Synced" as const } };
    const first = decideRollout({ ...input([c("canary-1", "canary"), c("m1", "main")]), now: 1000 });
    expect(first.record.stepTimes).toEqual({ "0": { startedAt: 1000 } });
    const second = decideRollout({ ...input([c("canary-1", "canary", healthy), c("m1", "main")], first.record), now: 5000 });
    expect(second.record.stepTimes).toEqual({ "0": { startedAt: 1000, finishedAt: 5000 }, "1": { startedAt: 5000 } });
    const halted = decideRollout({ ...input([c("canary-1", "canary", healthy), c("m1", "main", { currentDigest: "new", observed: { health: "Degraded", sync: "Synced" } })], second.record), now: 9000 });
    expect(halted.record.stepTimes?.["1"]).toEqual({ startedAt: 5000, haltedAt: 9000 });
    expect(halted.record.stepTimes?.["0"]).toEqual({ startedAt: 1000, finishedAt: 5000 });
  });

  it("releases the first step only, then the next step at most maxUpdate at a time", () => {
    const fleet = [c("canary-1", "canary"), c("m1", "main"), c("m2", "main"), c("m3", "main"), c("other", "lab")];
    const first = decideRollout(input(fleet));
    expect(first.release).toEqual(["canary-1"]);
    expect(first.record.phase).toBe("Progressing");
    expect(first.steps.at(-1)).toEqual({ index: -1, clusters: [{ cluster: "other", state: "NotSelected" }] });

    const healthyCanary = fleet.map((x) => (x.cluster === "canary-1" ? { ...x, currentDigest: "new", observed: { health: "Healthy" as const, sync: "Synced" as const } } : x));
    const second = decideRollout(input(healthyCanary, first.record));
    expect(second.release).toEqual(["m1", "m2"]);
    expect(second.record.currentStep).toBe(1);

    const m1Done = healthyCanary.map((x) => (x.cluster === "m1" ? { ...x, currentDigest: "new", observed: { health: "Healthy" as const, sync: "Synced" as const } } : x));
    const third = decideRollout(input(m1Done, second.record));
    expect(third.release).toEqual(["m3"]);
  });

  it("halts on a degraded cluster and rolls back every updated cluster", () => {
    const fleet = [c("canary-1", "canary", { currentDigest: "new", observed: { health: "Degraded", sync: "Synced" } }), c("m1", "main")];
    const record = decideRollout(input([c("canary-1", "canary"), c("m1", "main")])).record;
    const d = decideRollout(input(fleet, record));
    expect(d.record.phase).toBe("RolledBack");
    expect(d.rollback).toEqual(["canary-1"]);
    expect(d.release).toEqual([]);
    const again = decideRollout(input(fleet.map((x) => ({ ...x, currentDigest: "old" })), d.record));
    expect(again.release).toEqual([]);
    expect(again.record.phase).toBe("RolledBack");
    const noRollback = decideRollout({ ...input(fleet, record), autoRollback: false });
    expect(noRollback.record.phase).toBe("Halted");
    expect(noRollback.rollback).toEqual([]);
  });

  it("records the revision each updated cluster ran, and rolls it back to that revision", () => {
    const at = (rev: string, extra: Partial<RolloutClusterInput> = {}): RolloutClusterInput[] => [c("canary-1", "canary", { currentRevision: rev, ...extra }), c("m1", "main", { currentRevision: "r0" })];
    const first = decideRollout(input(at("r1")));
    expect(first.record.previousRevisions).toEqual({ "canary-1": "r1" });
    expect(first.record.rolledBackTo).toBeUndefined();
    // Published: the canary's envelope now carries the new revision, and it degrades.
    const d = decideRollout(input(at("r2", { currentDigest: "new", observed: { health: "Degraded", sync: "Synced" } }), first.record));
    expect(d.rollback).toEqual(["canary-1"]);
    expect(d.record.rolledBackTo).toEqual({ "canary-1": "r1" });
    expect(d.record.previousRevisions).toEqual({ "canary-1": "r1" });
    // A cluster that never had anything published is rolled back to nothing (null: no revision).
    const fresh = decideRollout(input([c("canary-1", "canary", { currentDigest: null })]));
    const freshDegraded = decideRollout(input([c("canary-1", "canary", { currentDigest: "new", currentRevision: "r2", observed: { health: "Degraded", sync: "Synced" } })], fresh.record));
    expect(freshDegraded.record.rolledBackTo).toEqual({ "canary-1": null });
  });

  it("rolls back only the clusters it updated, not one that already ran the target", () => {
    const degraded = { currentDigest: "new", observed: { health: "Degraded" as const, sync: "Synced" as const } };
    // m1's content does not change with this commit: it runs the target from the start.
    const first = decideRollout(input([c("canary-1", "canary", { currentRevision: "r1" }), c("m1", "main", { currentDigest: "new", currentRevision: "r1" })]));
    expect(first.record.released).toEqual(["canary-1", "m1"]);
    const d = decideRollout(input([c("canary-1", "canary", { currentRevision: "r2", ...degraded }), c("m1", "main", { currentDigest: "new", currentRevision: "r1" })], first.record));
    expect(d.record.phase).toBe("RolledBack");
    expect(d.rollback).toEqual(["canary-1"]);
    expect(d.record.rolledBack).toEqual(["canary-1"]);
    expect(d.record.rolledBackTo).toEqual({ "canary-1": "r1" });
    // A record kept by an older hub (no previousRevisions) rolls back every released cluster at the target, as it did.
    const { previousRevisions: _dropped, ...legacy } = first.record;
    const old = decideRollout(input([c("canary-1", "canary", { currentRevision: "r2", ...degraded }), c("m1", "main", { currentDigest: "new", currentRevision: "r1" })], legacy));
    expect(old.rollback).toEqual(["canary-1", "m1"]);
    expect(old.record.rolledBackTo).toEqual({ "canary-1": null, m1: null });
  });

  it("treats an offline cluster as waiting, not failed", () => {
    const record = decideRollout(input([c("canary-1", "canary", { online: false })])).record;
    const d = decideRollout(input([c("canary-1", "canary", { online: false, currentDigest: "new" })], record));
    expect(d.record.phase).toBe("Progressing");
    expect(d.steps[0]?.clusters).toEqual([{ cluster: "canary-1", state: "Offline" }]);
    expect(d.record.message).toContain("waiting for offline canary-1");
  });

  it("completes when every step is healthy, and a new target starts over", () => {
    const done = { currentDigest: "new", observed: { health: "Healthy" as const, sync: "Synced" as const } };
    const d = decideRollout(input([c("canary-1", "canary", done), c("m1", "main", done)]));
    expect(d.record.phase).toBe("Completed");
    const next = decideRollout(input([c("canary-1", "canary", { ...done, targetDigest: "newer" }), c("m1", "main", { ...done, targetDigest: "newer" })], d.record));
    expect(next.record.phase).toBe("Progressing");
    expect(next.release).toEqual(["canary-1"]);
  });
});

describe("maxUpdateOf (Argo's scaling)", () => {
  it.each([
    [undefined, 10, 10],
    [0, 10, 10],
    [3, 10, 3],
    [30, 10, 10],
    ["25%", 10, 2],
    ["1%", 10, 1],
    ["0%", 10, 10],
    ["100%", 4, 4],
  ])("maxUpdate %s of %i → %i", (maxUpdate, size, expected) => {
    expect(maxUpdateOf(maxUpdate, size)).toBe(expected);
  });
});
