import { describe, expect, it } from "vitest";
import { silentLogger, type Clock } from "../core/index.js";
import type { KubeObject } from "../kube/index.js";
import { readBundleHealth, type Bundle } from "../protocol/index.js";
import { luaHealthOf } from "./desired-state.js";
import { LuaHealthPolicy } from "./lua-health-policy.js";

const clock: Clock = { now: () => 1_700_000_000_000, sleep: () => Promise.resolve() };
const cert = { apiVersion: "cert-manager.io/v1", kind: "Certificate", metadata: { name: "c" } } as KubeObject;
const bundle = (health: unknown): Bundle => ({ apiVersion: "flotilla.dev/v1", kind: "Bundle", cluster: "eu-1", revision: "r", apps: [], health }) as Bundle;

describe("the spoke's Lua health policy", () => {
  it("takes the bundle's scripts, or reports a version it does not know", () => {
    const state = luaHealthOf(readBundleHealth(bundle({ version: 1, lua: { files: { "cert-manager.io/Certificate": "return {status='Healthy'}" } } })));
    expect(state.luaHealth?.files.get("cert-manager.io/Certificate")).toBe("return {status='Healthy'}");
    expect(luaHealthOf(readBundleHealth(bundle({ version: 9 })))).toEqual({ healthIssue: expect.stringContaining("version 9") as unknown });
    expect(luaHealthOf(readBundleHealth(bundle(undefined)))).toEqual({});
  });

  it("rates a covered object Progressing until the VM is compiled, then by its script, and asks for a new pass", async () => {
    let ready!: () => void;
    const readied = new Promise<void>((r) => (ready = r));
    const policy = new LuaHealthPolicy({ clock, logger: silentLogger(), onReady: () => ready() });
    expect(policy.rate(cert)).toBeUndefined();
    const scripts = luaHealthOf(readBundleHealth(bundle({ version: 1, lua: { files: { "cert-manager.io/Certificate": "return {status='Healthy', message='by script'}" } } }))).luaHealth;
    policy.set(scripts);
    expect(policy.rate(cert)).toEqual({ status: "Progressing", message: "waiting for the Lua runtime", rule: "lua:cert-manager.io/Certificate" });
    expect(policy.rate({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" } })).toBeUndefined();
    await readied;
    expect(policy.rate(cert)).toEqual({ status: "Healthy", message: "by script", rule: "lua:cert-manager.io/Certificate" });
  });
});
