import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson, canonicalJsonCached, digestOf, sha256Digest } from "./canonical-json.js";
import { headerJson } from "./app-render.js";
import { deepFreeze } from "./render/manifest-objects.js";

describe("canonicalJson", () => {
  it("sorts keys at every level and drops undefined members", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: "x" }, u: undefined })).toBe('{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it("is equal for equal values whatever the key order, and the cached form agrees", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const reordered = JSON.parse(JSON.stringify(value, (_k, v: unknown) => (v !== null && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v))) as unknown;
        expect(canonicalJson(reordered)).toBe(canonicalJson(value));
        expect(canonicalJsonCached(deepFreeze(structuredClone(value)))).toBe(canonicalJson(value));
        expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });

  it("digests are sha256 of the canonical text", () => {
    expect(sha256Digest("")).toBe("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(digestOf({ b: 1, a: 2 })).toBe(sha256Digest('{"a":2,"b":1}'));
  });
});

describe("headerJson (the hand-written hot path)", () => {
  it.each<{ error: { code: string; message: string; file: string; field: string } | undefined; labels: Record<string, string> }>([
    { error: undefined, labels: {} },
    { error: { code: "GITOPS_TEMPLATE", message: 'bad "quote"\n', file: "a.yaml", field: "spec" }, labels: { "z/b": "1", a: "é\u2028" } },
  ])("matches canonicalJson exactly (%#)", ({ error, labels }) => {
    const header = {
      name: "web-prod",
      appSet: "web",
      namespace: "web",
      project: "default",
      labels,
      source: { repoURL: "https://x/\\y", path: "apps/web", targetRevision: "HEAD", revision: "abc" },
      syncPolicy: deepFreeze({ automated: { prune: true, selfHeal: false, allowEmpty: false }, prune: true, selfHeal: false, syncOptions: ["A=1"], preserveResourcesOnDeletion: false }),
      ignoreDifferences: deepFreeze([{ group: "apps", kind: "Deployment", jsonPointers: ["/spec/replicas"] }]),
      ...(error === undefined ? {} : { error }),
    };
    expect(headerJson(header)).toBe(canonicalJson(header));
  });
});
