import { describe, expect, it } from "vitest";
import type { AppBundle } from "../protocol/index.js";
import { contentKey, sameContent } from "./bundle-content.js";

const objects = Object.freeze([Object.freeze({ apiVersion: "v1", kind: "ConfigMap", metadata: Object.freeze({ name: "c" }), data: Object.freeze({ a: "1" }) })]);

function app(over: Partial<Record<string, unknown>> = {}): AppBundle {
  return { name: "web", appSet: "s", namespace: "n", project: "default", labels: { t: "1" }, source: { repoURL: ".", path: "p", targetRevision: "HEAD", revision: "r1" }, syncPolicy: {}, ignoreDifferences: [], digest: "sha256:1", objects, ...over } as unknown as AppBundle;
}

describe("bundle content", () => {
  it("ignores the commit and the digest, and nothing else", () => {
    expect(sameContent([app()], [app({ digest: "sha256:2", source: { repoURL: ".", path: "p", targetRevision: "HEAD", revision: "r2" } })])).toBe(true);
    expect(sameContent([app()], [app({ objects: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { a: "1" } }] })])).toBe(true);
    expect(sameContent([app()], [app({ objects: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { a: "2" } }] })])).toBe(false);
    expect(sameContent([app()], [app({ labels: { t: "2" } })])).toBe(false);
    expect(sameContent([app()], [app({ source: { repoURL: ".", path: "q", targetRevision: "HEAD", revision: "r1" } })])).toBe(false);
    expect(sameContent([app()], [app(), app({ name: "other" })])).toBe(false);
    expect(sameContent([app({ name: "a" }), app({ name: "b" })], [app({ name: "b" }), app({ name: "a" })])).toBe(true);
  });

  it("keeps no room for one app's fields to pass for another's objects", () => {
    expect(contentKey(app({ objects: [] }))).not.toBe(contentKey(app()));
  });
});
