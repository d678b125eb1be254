import { describe, expect, it } from "vitest";
import type { KubeObject } from "../kube/index.js";
import { desiredApp } from "./desired-state.js";
import { backoffDelay, done, jittered, retry, stalled, wait, worstOutcome } from "./outcome.js";
import { parseSpokeConfig } from "./spoke-config.js";
import { appStatus, buildStatusReport, objectStatus, type ObjectState } from "./status-report.js";

const secret = (data: Record<string, string>): KubeObject => ({ apiVersion: "v1", kind: "Secret", metadata: { name: "db", namespace: "shop" }, data });
const b64 = (s: string): string => Buffer.from(s).toString("base64");

describe("status report", () => {
  it("reports drift of a Secret with masked values only", () => {
    const obj: ObjectState = {
      id: "shop_db__Secret",
      desired: secret({ password: b64("correct horse") }),
      baseline: secret({ password: b64("correct horse") }),
      live: secret({ password: b64("battery staple") }),
      health: undefined,
      drift: [{ path: ".data.password", desired: b64("correct horse"), live: b64("battery staple") }],
    };
    const s = objectStatus(obj);
    expect(s).toMatchObject({ kind: "Secret", namespace: "shop", name: "db", sync: "OutOfSync", health: "Healthy" });
    expect(s.message).toMatch(/^\.data\.password: \+{8,} → \+{8,}$/);
    const text = JSON.stringify(s);
    for (const p of ["correct horse", "battery staple", b64("correct horse"), b64("battery staple")]) expect(text).not.toContain(p);
  });

  it("shows a ConfigMap's drift with values, a deleted object as Missing, and app health as the worst", () => {
    const cm = (v: string): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "shop" }, data: { mode: v } });
    const drifted: ObjectState = { id: "shop_c__ConfigMap", desired: cm("safe"), baseline: cm("safe"), live: cm("yolo"), health: undefined, drift: [{ path: ".data.mode", desired: "safe", live: "yolo" }] };
    expect(objectStatus(drifted).message).toBe(".data.mode: safe → yolo");
    const gone: ObjectState = { id: "shop_web_apps_Deployment", desired: undefined, baseline: undefined, live: null, health: undefined, drift: [] };
    expect(objectStatus(gone)).toMatchObject({ group: "apps", kind: "Deployment", sync: "OutOfSync", health: "Missing" });
    const app = appStatus({ name: "shop", objects: [drifted, gone], pending: false });
    expect(app).toMatchObject({ sync: "OutOfSync", health: "Missing" });
  });

  it("names the rule that rated each object's health", () => {
    const dep: KubeObject = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "shop" } };
    const state = (health: ObjectState["health"]): ObjectState => ({ id: "shop_web_apps_Deployment", desired: dep, baseline: dep, live: dep, health, drift: [] });
    expect(objectStatus(state({ status: "Degraded", message: 'Deployment "web" exceeded its progress deadline', rule: "builtin:Deployment" }))).toEqual({
      group: "apps",
      kind: "Deployment",
      namespace: "shop",
      name: "web",
      sync: "Synced",
      health: "Degraded",
      message: 'Deployment "web" exceeded its progress deadline',
      healthRule: "builtin:Deployment",
    });
    expect(objectStatus(state(undefined))).not.toHaveProperty("healthRule");
  });

  it("reports a failed stage as Ready=False reason with its code, and only what was applied", () => {
    const r = buildStatusReport({
      fleet: "prod",
      cluster: "eu-1",
      now: Date.UTC(2026, 0, 1),
      applied: { generation: 3, revision: "abc", bundleDigest: `sha256:${"0".repeat(64)}` },
      apps: [{ name: "vault", objects: [], pending: true, failure: { reason: "DecryptFailed", code: "SPOKE_DECRYPT_FAILED", message: "SealedSecret/x/y: SEALED_INTEGRITY_CHECK_FAILED" } }],
      errors: [{ code: "ENVELOPE_SIGNATURE_INVALID", message: "bad" }],
    });
    expect(r).toMatchObject({ generation: 3, sentAt: "2026-01-01T00:00:00.000Z", errors: [{ code: "ENVELOPE_SIGNATURE_INVALID" }] });
    expect(r.apps[0]).toMatchObject({ sync: "OutOfSync", error: { code: "SPOKE_DECRYPT_FAILED" }, message: "DecryptFailed: SealedSecret/x/y: SEALED_INTEGRITY_CHECK_FAILED" });
  });
});

describe("desiredApp", () => {
  const wire = { name: "shop", namespace: "shop", syncPolicy: { automated: { prune: true, selfHeal: false }, syncOptions: ["CreateNamespace=true", "PruneLast=true"] }, objects: [secret({ a: "b" })] };
  it("normalises Argo's syncPolicy and the gitops render's flat flags the same way", () => {
    const a = desiredApp(wire);
    const b = desiredApp({ ...wire, syncPolicy: { prune: true, selfHeal: false, syncOptions: ["CreateNamespace=true", "PruneLast=true"], preserveResourcesOnDeletion: false } });
    expect(a).toMatchObject({ prune: true, selfHeal: false, preserveResourcesOnDeletion: false });
    expect(a.syncOptions).toMatchObject({ createNamespace: true, pruneLast: true });
    expect(a.digest).toBe(b.digest);
  });
  it("computes a digest that ignores key order and changes with content", () => {
    const reordered = { objects: wire.objects, syncPolicy: wire.syncPolicy, namespace: "shop", name: "shop" };
    expect(desiredApp(reordered).digest).toBe(desiredApp(wire).digest);
    expect(desiredApp({ ...wire, objects: [secret({ a: "c" })] }).digest).not.toBe(desiredApp(wire).digest);
  });
});

describe("outcomes", () => {
  it("the worst outcome decides requeueing", () => {
    const e = new Error("x");
    expect(worstOutcome([done(), wait(5, "w")])).toEqual(wait(5, "w"));
    expect(worstOutcome([retry("ApplyFailed", e), done()]).kind).toBe("retry");
    expect(worstOutcome([retry("ApplyFailed", e), stalled("DecryptFailed", e)]).kind).toBe("stalled");
    expect(worstOutcome([]).kind).toBe("done");
  });
  it("jitter and backoff stay within their bounds", () => {
    expect(jittered(1000, () => 0)).toBe(900);
    expect(jittered(1000, () => 0.999999)).toBe(1100);
    expect(backoffDelay(1, () => 0, 500, 30_000)).toBe(250);
    expect(backoffDelay(10, () => 1, 500, 30_000)).toBe(30_000);
  });
});

describe("spoke config", () => {
  it("fills defaults and freezes", () => {
    const c = parseSpokeConfig({ cluster: "eu-1", natsUrl: ["nats://x"], hubKeys: ["ed25519:abc"] });
    expect(c).toMatchObject({ fleet: "default", namespace: "flotilla-system", fieldManager: "flotilla", qps: 50, burst: 100, keyBits: 4096 });
    expect(Object.isFrozen(c)).toBe(true);
  });
  it("names the offending field", () => {
    expect(() => parseSpokeConfig({ cluster: "EU_1", natsUrl: ["nats://x"], hubKeys: ["ed25519:abc"] })).toThrow(
      expect.objectContaining({ code: "SPOKE_CONFIG_INVALID", field: "cluster" }),
    );
    expect(() => parseSpokeConfig({ cluster: "eu-1", natsUrl: ["nats://x"], hubKeys: ["rsa:abc"] })).toThrow(expect.objectContaining({ field: "hubKeys.0" }));
  });
});
