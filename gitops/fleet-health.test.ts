import { describe, expect, it } from "vitest";
import { bundleSchema, decodeBundle, encodeBundle, parseJson, parseWith, readBundleHealth, type Bundle } from "../protocol/index.js";
import { loadFleetHealth } from "./fleet-health.js";
import { memorySnapshot } from "./repo-snapshot.js";

const SCRIPT = `return {status = "Healthy"}`;

describe("the fleet repository's health/ directory", () => {
  it("reads Argo CD's layout and argocd-cm keys into the bundle's versioned health field", () => {
    const snapshot = memorySnapshot({
      "health/cert-manager.io/Certificate/health.lua": SCRIPT,
      "health/Service/health.lua": SCRIPT,
      "health/argocd-cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: argocd-cm}\ndata:\n  resource.customizations.health.example.com_Widget: |\n    return {status = 'Progressing'}\n",
      "health/cert-manager.io/Certificate/testdata/x.yaml": "kind: Certificate",
      "apps/web/health.lua": "not read: outside health/",
    });
    const loaded = loadFleetHealth(snapshot);
    expect(loaded).toEqual({
      kind: "lua",
      health: {
        version: 1,
        lua: {
          overrides: { "example.com/Widget": "return {status = 'Progressing'}\n" },
          files: { "cert-manager.io/Certificate": SCRIPT, Service: SCRIPT },
        },
      },
    });
  });

  it("has nothing to ship without the directory", () => {
    expect(loadFleetHealth(memorySnapshot({ "apps/web/x.yaml": "a: 1" }))).toEqual({ kind: "none" });
  });

  it("a malformed or oversized entry is an error naming the file (the hub keeps the last good scripts)", () => {
    const bad = loadFleetHealth(memorySnapshot({ "health/cm.yaml": "kind: ConfigMap\ndata:\n  resource.customizations.health.a_b_c: x\n" }));
    expect(bad).toMatchObject({ kind: "error", error: { code: "GITOPS_INVALID", file: "health/cm.yaml" } });
    const big = loadFleetHealth(memorySnapshot({ "health/g/K/health.lua": "-- x\n".repeat(20_000) }));
    expect(big).toMatchObject({ kind: "error", error: { code: "GITOPS_INVALID", file: "health/g/K/health.lua" } });
  });
});

describe("the bundle's health field on the wire", () => {
  const bundle = (health: unknown): Bundle => ({ apiVersion: "flotilla.dev/v1", kind: "Bundle", cluster: "eu-1", revision: "r1", apps: [], health } as Bundle);

  it("round-trips through the signed bundle bytes", () => {
    const health = { version: 1, lua: { overrides: {}, files: { "cert-manager.io/Certificate": SCRIPT } } };
    const decoded = decodeBundle(encodeBundle(bundle(health)).bytes);
    expect(readBundleHealth(decoded)).toEqual({ kind: "lua", overrides: {}, files: { "cert-manager.io/Certificate": SCRIPT } });
  });

  it("a version this spoke does not know costs the scripts, not the bundle", () => {
    const decoded = decodeBundle(encodeBundle(bundle({ version: 2, cel: { anything: true } })).bytes);
    expect(decoded.apps).toEqual([]);
    expect(readBundleHealth(decoded)).toMatchObject({ kind: "unsupported", message: expect.stringContaining("version 2 is not supported") as unknown });
  });

  it("scripts past the size bounds are refused", () => {
    const huge = { version: 1, lua: { files: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`g/K${String(i)}`, "x".repeat(60_000)])) } };
    expect(readBundleHealth(decodeBundle(encodeBundle(bundle(huge)).bytes))).toMatchObject({ kind: "unsupported" });
    const one = { version: 1, lua: { files: { "g/K": "x".repeat(70_000) } } };
    expect(readBundleHealth(decodeBundle(encodeBundle(bundle(one)).bytes))).toMatchObject({ kind: "unsupported" });
  });

  it("a spoke that predates the field decodes the bundle as before (its schema keeps unknown fields)", () => {
    const before = bundleSchema.omit({ health: true });
    const bytes = encodeBundle(bundle({ version: 1, lua: { files: { "g/K": SCRIPT } } })).bytes;
    const old = parseWith(before, parseJson(bytes, "bundle"), "bundle");
    expect(old).toMatchObject({ cluster: "eu-1", apps: [] });
    expect(readBundleHealth(bundle(undefined))).toEqual({ kind: "none" });
  });
});
