import { describe, expect, it } from "vitest";
import { canonicalJson } from "./canonical-json.js";
import { encodeBundle } from "./bundle-codec.js";
import type { Bundle } from "./schemas.js";

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

const shared = deepFreeze([
  { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "b", namespace: "x" }, data: { z: "1", a: "2" } },
  { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "w" }, spec: { replicas: 2, template: { spec: { containers: [{ name: "c", image: "i" }] } } } },
]);
// SOPS keeps its document order (its MAC depends on it): written unsorted on purpose.
const sops = deepFreeze({ kind: "Secret", apiVersion: "v1", metadata: { name: "s" }, data: { z: "ENC[a]", a: "ENC[b]" }, sops: { mac: "ENC[m]", version: "3.8.1" } });

function app(name: string, objects: readonly unknown[], revision: string): Bundle["apps"][number] {
  return { name, appSet: "web", namespace: "x", project: "default", labels: { tier: "1" }, source: { repoURL: ".", path: "apps/web", targetRevision: "HEAD", revision }, syncPolicy: { prune: true, selfHeal: false, syncOptions: [], preserveResourcesOnDeletion: false }, ignoreDifferences: [], digest: `sha256:${"0".repeat(64)}`, objects } as unknown as Bundle["apps"][number];
}

describe("encodeBundle with shared objects", () => {
  it("gives the bytes of canonicalJson(bundle) for shared, SOPS, mutable and mixed object lists, every time", () => {
    const mutable = [{ kind: "ConfigMap", apiVersion: "v1", metadata: { name: "m" }, data: { b: "1", a: "2" } }];
    const bundles: Bundle[] = [
      { apiVersion: "flotilla.dev/v1", kind: "Bundle", cluster: "a", revision: "r1", apps: [app("one", shared, "r1"), app("two", [sops, ...shared], "r1")] },
      { apiVersion: "flotilla.dev/v1", kind: "Bundle", cluster: "b", revision: "r2", apps: [app("one", [...shared], "r2"), app("three", mutable, "r2"), app("four", [], "r2")] },
      { apiVersion: "flotilla.dev/v1", kind: "Bundle", cluster: "c", revision: "r3", apps: [] } as unknown as Bundle,
    ];
    for (let round = 0; round < 2; round++) {
      for (const b of bundles) expect(Buffer.from(encodeBundle(b).bytes).toString("utf8")).toBe(canonicalJson(b));
    }
    // A mutable object is serialised afresh: a change shows.
    const before = encodeBundle(bundles[1]).digest;
    mutable[0].data.a = "3";
    expect(encodeBundle(bundles[1]).digest).not.toBe(before);
    expect(Buffer.from(encodeBundle(bundles[1]).bytes).toString("utf8")).toBe(canonicalJson(bundles[1]));
  });

  it("cannot be steered by a value that looks like its placeholder", () => {
    const b = { apiVersion: "flotilla.dev/v1", kind: "Bundle", cluster: "a", revision: "\u0000flotilla-", apps: [{ ...app("\u0000flotilla-x", shared, "r"), labels: { a: "\u0000flotilla-" } }] } as unknown as Bundle;
    expect(Buffer.from(encodeBundle(b).bytes).toString("utf8")).toBe(canonicalJson(b));
  });
});
