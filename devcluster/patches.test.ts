import { describe, expect, it } from "vitest";
import { isApiStatusError } from "./api-status.js";
import { applyJsonPatch } from "./json-patch.js";
import { applyMergePatch } from "./merge-patch.js";
import { applyStrategicMergePatch } from "./strategic-merge-patch.js";

const deployment = {
  metadata: { name: "web", labels: { a: "1", b: "2" }, finalizers: ["x"] },
  spec: {
    template: {
      spec: {
        containers: [
          { name: "web", image: "nginx:1", ports: [{ containerPort: 80 }, { containerPort: 443 }], env: [{ name: "A", value: "1" }] },
          { name: "side", image: "busybox" },
        ],
        tolerations: [{ key: "t1" }],
      },
    },
  },
};

describe("strategic merge patch", () => {
  it("merges keyed lists by merge key, deletes with null and $patch: delete, and keeps order with $setElementOrder", () => {
    const patched = applyStrategicMergePatch(deployment, {
      metadata: { labels: { b: null, c: "3" } },
      spec: {
        template: {
          spec: {
            $setElementOrder$containers: undefined,
            "$setElementOrder/containers": [{ name: "side" }, { name: "web" }],
            containers: [{ name: "web", image: "nginx:2", ports: [{ $patch: "delete", containerPort: 443 }] }],
            tolerations: [{ key: "t2" }],
          },
        },
      },
    }) as typeof deployment;
    expect(patched.metadata.labels).toEqual({ a: "1", c: "3" });
    const containers = patched.spec.template.spec.containers;
    expect(containers.map((c) => c.name)).toEqual(["side", "web"]);
    expect(containers[1]).toEqual({ name: "web", image: "nginx:2", ports: [{ containerPort: 80 }], env: [{ name: "A", value: "1" }] });
    // Lists without a merge key are replaced whole.
    expect(patched.spec.template.spec.tolerations).toEqual([{ key: "t2" }]);
  });

  it("unions primitive merge lists (finalizers) and honours $deleteFromPrimitiveList and $patch: replace", () => {
    const added = applyStrategicMergePatch(deployment, { metadata: { finalizers: ["y"] } }) as typeof deployment;
    expect(added.metadata.finalizers).toEqual(["x", "y"]);
    const removed = applyStrategicMergePatch(added, { metadata: { "$deleteFromPrimitiveList/finalizers": ["x"] } }) as typeof deployment;
    expect(removed.metadata.finalizers).toEqual(["y"]);
    const replaced = applyStrategicMergePatch(deployment, { metadata: { labels: { $patch: "replace", z: "9" } } }) as typeof deployment;
    expect(replaced.metadata.labels).toEqual({ z: "9" });
  });
});

describe("JSON merge patch (RFC 7386)", () => {
  it("merges maps, deletes with null and replaces lists", () => {
    expect(applyMergePatch({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { c: null, d: 3 }, l: [3] })).toEqual({ a: { b: 1, d: 3 }, l: [3] });
  });
});

describe("JSON patch (RFC 6902)", () => {
  it("adds, replaces, removes, moves, copies and tests", () => {
    const doc = { a: [1, 2], b: { c: "x" } };
    const out = applyJsonPatch(doc, [
      { op: "add", path: "/a/-", value: 3 },
      { op: "replace", path: "/b/c", value: "y" },
      { op: "copy", from: "/b/c", path: "/d" },
      { op: "move", from: "/a/0", path: "/e" },
      { op: "remove", path: "/b" },
      { op: "test", path: "/d", value: "y" },
      { op: "add", path: "/f~1g", value: true },
    ]);
    expect(out).toEqual({ a: [2, 3], d: "y", e: 1, "f/g": true });
    expect(doc).toEqual({ a: [1, 2], b: { c: "x" } });
  });

  it("rejects a failing test or a missing path as a whole, without partial changes", () => {
    const doc = { a: 1 };
    for (const patch of [
      [{ op: "replace", path: "/a", value: 2 }, { op: "test", path: "/a", value: 1 }],
      [{ op: "remove", path: "/missing" }],
      { not: "a list" },
    ]) {
      let caught: unknown;
      try {
        applyJsonPatch(doc, patch);
      } catch (err) {
        caught = err;
      }
      expect(isApiStatusError(caught)).toBe(true);
    }
    expect(doc).toEqual({ a: 1 });
  });
});
