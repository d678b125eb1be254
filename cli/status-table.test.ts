import { describe, expect, it } from "vitest";
import type { ClusterSummary } from "../demo/index.js";
import { degradedClusters, formatStatus, humanAge } from "./status-table.js";

const NOW = Date.parse("2026-01-01T12:00:00Z");

function cluster(name: string, over: Partial<ClusterSummary> = {}): ClusterSummary {
  return {
    name,
    labels: { env: "prod", region: "eu-west-1" },
    connection: "Online",
    lastSeen: "2026-01-01T11:59:55Z",
    spokeVersion: "0.1.0",
    desired: { generation: 2, revision: "0123456789abcdef" },
    applied: { generation: 2, revision: "0123456789abcdef" },
    sync: "Synced",
    health: "Healthy",
    errors: [],
    apps: [
      { name: "web", sync: "Synced", health: "Healthy" },
      { name: "payments", sync: "OutOfSync", health: "Progressing" },
    ],
    ...over,
  };
}

describe("formatStatus", () => {
  it("prints a kubectl-like table with apps synced/total, short revision and age", () => {
    const text = formatStatus([cluster("prod-eu"), cluster("staging", { connection: "Offline", labels: {}, lastSeen: null, applied: null })], "table", NOW);
    const lines = text.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^CLUSTER\s+LABELS\s+CONNECTED\s+APPS\s+SYNC\s+HEALTH\s+REVISION\s+LAST SEEN$/);
    expect(lines[1]?.split(/\s{3,}/)).toEqual(["prod-eu", "env=prod,region=eu-west-1", "true", "1/2", "Synced", "Healthy", "0123456", "5s"]);
    expect(lines[2]?.split(/\s{3,}/)).toEqual(["staging", "<none>", "false", "1/2", "Synced", "Healthy (offline)", "<none>", "<never>"]);
  });

  it("adds desired revision, generations, spoke version and error codes in wide", () => {
    const text = formatStatus([cluster("prod-us", { errors: [{ code: "SPOKE_APPLY_FAILED", message: "x" }], applied: { generation: 1, revision: "fedcba9876" } })], "wide", NOW);
    const [header, row] = text.trimEnd().split("\n");
    expect(header).toContain("DESIRED");
    expect(row?.split(/\s{3,}/).slice(-4)).toEqual(["0123456", "1/2", "0.1.0", "SPOKE_APPLY_FAILED"]);
  });

  it("prints JSON items and a friendly line for an empty fleet", () => {
    expect(JSON.parse(formatStatus([cluster("a")], "json", NOW))).toMatchObject({ items: [{ name: "a" }] });
    expect(formatStatus([], "table", NOW)).toBe("No clusters found.\n");
  });
});

describe("degradedClusters", () => {
  it("names clusters whose health or any app is Degraded, not offline ones", () => {
    const list = [
      cluster("ok"),
      cluster("bad", { health: "Degraded" }),
      cluster("bad-app", { apps: [{ name: "web", sync: "Synced", health: "Degraded" }] }),
      cluster("gone", { connection: "Offline", health: "Unknown" }),
    ];
    expect(degradedClusters(list)).toEqual(["bad", "bad-app"]);
  });
});

describe("humanAge", () => {
  it("follows kubectl's short durations", () => {
    expect([humanAge(45_000), humanAge(192_000), humanAge(45 * 60_000), humanAge(5 * 3_600_000), humanAge(72 * 3_600_000)]).toEqual(["45s", "3m12s", "45m", "5h", "3d"]);
  });
});
