import { describe, expect, it } from "vitest";
import { fleetEvents, type FleetSnapshot } from "./fleet-events.js";
import type { ClusterSummary } from "./hub-client.js";

function cluster(name: string, over: Partial<ClusterSummary> = {}): ClusterSummary {
  return {
    name,
    labels: {},
    connection: "Online",
    sync: "Synced",
    health: "Healthy",
    errors: [],
    applied: { generation: 1, revision: "aaaaaaa1111" },
    apps: [{ name: `web-${name}`, sync: "Synced", health: "Healthy" }],
    ...over,
  };
}

const base: FleetSnapshot = {
  clusters: [cluster("staging"), cluster("prod-eu")],
  sources: [{ id: "fleet", revision: "aaaaaaa1111", publishedRevision: "aaaaaaa1111" }],
  rollouts: [{ appSet: "web", phase: "Completed" }],
};

describe("fleetEvents", () => {
  it("says nothing when nothing changed", () => {
    expect(fleetEvents(base, base)).toEqual([]);
  });

  it("tells a commit landing, a rollout step moving, an app degrading and a cluster going offline", () => {
    const after: FleetSnapshot = {
      sources: [{ id: "fleet", revision: "bbbbbbb2222", publishedRevision: "bbbbbbb2222" }],
      rollouts: [{ appSet: "web", phase: "Halted", message: "step 1: web-staging is Degraded" }],
      clusters: [
        cluster("staging", { applied: { generation: 2, revision: "bbbbbbb2222" }, apps: [{ name: "web-staging", sync: "Synced", health: "Degraded", message: "image nginx:does-not-exist cannot be pulled" }] }),
        cluster("prod-eu", { connection: "Offline" }),
      ],
    };
    expect(fleetEvents(base, after)).toEqual([
      "hub: new commit bbbbbbb in fleet",
      "hub: rendered and published bbbbbbb",
      "rollout web: Completed → Halted (step 1: web-staging is Degraded)",
      "staging: applied bbbbbbb (generation 2)",
      "staging: app web-staging Synced/Healthy → Synced/Degraded (image nginx:does-not-exist cannot be pulled)",
      "prod-eu: Online → Offline",
    ]);
  });

  it("tells a render error once, and when it is fixed", () => {
    const broken: FleetSnapshot = { ...base, sources: [{ id: "fleet", revision: "ccccccc", publishedRevision: "aaaaaaa1111", error: { code: "GITOPS_PARSE", message: "web.yaml: line 3: bad" } }] };
    expect(fleetEvents(base, broken)).toEqual(["hub: new commit ccccccc in fleet", "hub: fleet does not render: GITOPS_PARSE: web.yaml: line 3: bad"]);
    expect(fleetEvents(broken, broken)).toEqual([]);
    expect(fleetEvents(broken, base)).toEqual(["hub: new commit aaaaaaa in fleet", "hub: fleet renders again"]);
  });

  it("tells apps and clusters that come and go", () => {
    const after: FleetSnapshot = { ...base, clusters: [cluster("staging", { apps: [] }), cluster("dev")] };
    expect(fleetEvents(base, after)).toEqual(["staging: app web-staging removed", "dev: joined, Online", "prod-eu: no longer in the fleet"]);
  });
});
