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
