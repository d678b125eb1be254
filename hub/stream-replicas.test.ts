import { describe, expect, it } from "vitest";
import { defaultReplicas, describeMismatches, streamMismatches } from "./stream-replicas.js";

const stream = (name: string, num_replicas: number, max_msgs_per_subject = -1, allow_direct = false) => ({ config: { name, num_replicas, max_msgs_per_subject, allow_direct } }) as unknown as Parameters<typeof streamMismatches>[0][number];

describe("stream replicas", () => {
  it("defaults to 3 on a cluster and 1 on a single server", () => {
    expect(defaultReplicas({ cluster: "flotilla-prod" })).toBe(3);
    expect(defaultReplicas({})).toBe(1);
    expect(defaultReplicas(undefined)).toBe(1);
  });

  it("names each differing Flotilla stream with its fix, and ignores other streams", () => {
    const found = streamMismatches(
      [stream("KV_flotilla-desired", 1, 5, true), stream("KV_flotilla-status", 3, 1, true), stream("OBJ_flotilla-bundles-eu-1", 1), stream("ORDERS", 1), stream("KV_flotilla-desired-x", 1)],
      3,
    );
    expect(found).toEqual([
      { stream: "KV_flotilla-desired", field: "replicas", have: 1, want: 3, fix: "nats stream edit KV_flotilla-desired --replicas 3" },
      { stream: "OBJ_flotilla-bundles-eu-1", field: "replicas", have: 1, want: 3, fix: "nats stream edit OBJ_flotilla-bundles-eu-1 --replicas 3" },
    ]);
    const text = describeMismatches(found, 3, false);
    expect(text).toContain("the default for this server (3 on a cluster, 1 on a single server)");
    expect(text).toContain("Or start the hub with --replicas 1");
  });

  it("also reports a changed KV history or direct get, which the spokes and the restore depend on", () => {
    expect(streamMismatches([stream("KV_flotilla-desired", 1, 1, false)], 1).map((m) => m.field)).toEqual(["allow_direct", "history"]);
    expect(streamMismatches([stream("KV_flotilla-desired", 1, 5, true)], 1)).toEqual([]);
  });
});
