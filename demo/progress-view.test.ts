import { describe, expect, it } from "vitest";
import { clusterManifest, demoClusters } from "./demo-clusters.js";
import type { ClusterSummary } from "./hub-client.js";
import { fleetProgress } from "./progress-view.js";

function cluster(name: string, over: Partial<ClusterSummary> = {}): ClusterSummary {
  return {
    name,
    labels: {},
    connection: "Online",
    desired: { generation: 2, revision: "abc" },
    applied: { generation: 2, revision: "abc" },
    sync: "Synced",
    health: "Healthy",
    errors: [],
    apps: [{ name: `web-${name}`, sync: "Synced", health: "Healthy" }],
    ...over,
  };
}

const REV = "0123456789abcdef";
const sources = [{ id: "repo", revision: REV, publishedRevision: REV }];

describe("fleetProgress", () => {
  it("is converged only when the hub rendered the commit and every cluster applied its generation, Synced and Healthy", () => {
    expect(fleetProgress({ names: ["a", "b"], clusters: [cluster("a"), cluster("b")], sources, revision: REV }).converged).toBe(true);
    const notYet = [
      { clusters: [cluster("a"), cluster("b", { connection: "Offline" })], sources },
      { clusters: [cluster("a"), cluster("b", { applied: { generation: 1, revision: "old" } })], sources },
      { clusters: [cluster("a"), cluster("b", { apps: [{ name: "web-b", sync: "Synced", health: "Progressing" }] })], sources },
      { clusters: [cluster("a"), cluster("b", { apps: [] })], sources },
      { clusters: [cluster("a")], sources },
      { clusters: [cluster("a"), cluster("b")], sources: [{ id: "repo", revision: "older", publishedRevision: "older" }] },
      // Rendered but not yet published: the clusters' states do not reflect the commit yet.
      { clusters: [cluster("a"), cluster("b")], sources: [{ id: "repo", revision: REV, publishedRevision: "older" }] },
    ];
    for (const input of notYet) expect(fleetProgress({ names: ["a", "b"], revision: REV, ...input }).converged).toBe(false);
  });

  it("prints one line per cluster with its counts", () => {
    const view = fleetProgress({ names: ["prod-eu", "staging"], clusters: [cluster("prod-eu"), cluster("staging", { sync: "OutOfSync", health: "Progressing", apps: [{ name: "w", sync: "OutOfSync", health: "Progressing" }] })], sources, revision: REV });
    expect(view.lines).toEqual([
      "✓ hub rendered 0123456",
      "✓ prod-eu   Online    1/1 synced, 1/1 healthy      Synced/Healthy",
      "… staging   Online    0/1 synced, 0/1 healthy      OutOfSync/Progressing",
    ]);
  });
});

describe("demoClusters", () => {
  it("uses the example fleet's clusters first, then generated prod clusters", () => {
    expect(demoClusters(3).map((c) => c.name)).toEqual(["prod-eu", "staging", "prod-us"]);
    const six = demoClusters(6);
    expect(six.map((c) => c.name)).toEqual(["prod-eu", "staging", "prod-us", "dev", "prod-5", "prod-6"]);
    expect(six[5]?.exampleFile).toBeUndefined();
    expect(clusterManifest(six[5] ?? { name: "", labels: {} })).toContain('kind: Cluster\nmetadata:\n  name: prod-6\n  labels:\n    env: "prod"\n    region: "demo-6"\n');
  });
});
