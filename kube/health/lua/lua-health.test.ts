import { beforeAll, describe, expect, it } from "vitest";
import type { KubeObject } from "../../kube-object.js";
import { resourceHealth } from "../resource-health.js";
import { luaHealth, INVALID_HEALTH_STATUS } from "./lua-health.js";
import { luaHealthRule } from "./lua-health-rule.js";
import { findLuaHealthScript, parseLuaHealthScripts } from "./lua-health-scripts.js";
import { LuaRuntime } from "./lua-runtime.js";

let runtime: LuaRuntime;
beforeAll(async () => {
  runtime = await LuaRuntime.load();
});

const NOW = 1_700_000_000;

/** A cert-manager-style script written for these tests (Argo CD's own scripts stay upstream). */
const CERTIFICATE = `
local hs = {}
if obj.status ~= nil and obj.status.conditions ~= nil then
  for i, condition in ipairs(obj.status.conditions) do
    if condition.type == "Ready" and condition.status == "False" then
      hs.status = "Degraded"
      hs.message = condition.message
      return hs
    end
    if condition.type == "Ready" and condition.status == "True" then
      hs.status = "Healthy"
      hs.message = condition.message
      return hs
    end
  end
end
hs.status = "Progressing"
hs.message = "Waiting for certificate"
return hs
`;

function cert(conditions?: unknown[]): KubeObject {
  return {
    apiVersion: "cert-manager.io/v1",
    kind: "Certificate",
    metadata: { name: "web", namespace: "default" },
    ...(conditions === undefined ? {} : { status: { conditions } }),
  };
}

function rate(script: string, obj: KubeObject = cert()) {
  return luaHealth(script, obj, { runtime, rule: "lua:test", now: NOW });
}

function value(script: string, globals: Record<string, unknown> = {}) {
  return runtime.run(script, { chunkName: "t", globals, now: NOW });
}

describe("Argo CD health script semantics", () => {
  it("rates by the returned table's status and message", () => {
    expect(rate(CERTIFICATE)).toEqual({ status: "Progressing", message: "Waiting for certificate" });
    expect(rate(CERTIFICATE, cert([{ type: "Ready", status: "True", message: "Certificate is up to date" }]))).toEqual({ status: "Healthy", message: "Certificate is up to date" });
    expect(rate(CERTIFICATE, cert([{ type: "Ready", status: "False", message: "issuer not found" }]))).toEqual({ status: "Degraded", message: "issuer not found" });
  });

  it("an unknown status is Unknown with Argo's message; nil, an empty table or a wrongly typed field is no opinion", () => {
    expect(rate(`return {status = "Great"}`)).toEqual({ status: "Unknown", message: INVALID_HEALTH_STATUS });
    expect(rate(`return {message = "no status"}`)).toEqual({ status: "Unknown", message: INVALID_HEALTH_STATUS });
    expect(rate(`return nil`)).toBeUndefined();
    expect(rate(`return {}`)).toBeUndefined();
    expect(rate(`return {status = 3}`)).toBeUndefined();
    expect(rate(`return "Healthy"`)).toEqual({ status: "Unknown", message: "expect table output from Lua script, not string" });
  });

  it("a failing script is Unknown with the reason and its line, never a throw", () => {
    expect(rate(`return obj.spec.missing.field`)).toEqual({ status: "Unknown", message: expect.stringMatching(/^health script failed: health\.lua:1: attempt to index a nil value/) as unknown });
    expect(rate(`error("custom failure")`)).toEqual({ status: "Unknown", message: "health script failed: health.lua:1: custom failure" });
    expect(rate(`return {status = `)?.status).toBe("Unknown");
    expect(rate(`return {status = "Healthy", message = function() end}`)).toEqual({ status: "Unknown", message: "health script failed: cannot encode function to JSON" });
  });

  it("converts objects as Argo does: whole numbers print without a fraction, arrays are 1-based sequences, null keys are absent", () => {
    const obj = { apiVersion: "v1", kind: "Thing", metadata: { name: "x" }, spec: { replicas: 3, ratio: 0.5, items: ["a", null, "b"], gone: null, flag: false } } as unknown as KubeObject;
    const got = value(`return {tostring(obj.spec.replicas), tostring(obj.spec.ratio), #obj.spec.items, obj.spec.items[2], tostring(obj.spec.gone == nil), tostring(obj.spec.flag)}`, { obj });
    expect(got).toEqual({ ok: true, value: ["3", "0.5", 2, "b", "true", "false"] });
  });

  it("reads results back as gopher-json encodes them", () => {
    expect(value(`return {1, 2, 3}`)).toEqual({ ok: true, value: [1, 2, 3] });
    expect(value(`return {a = {}, b = {x = 1}}`)).toEqual({ ok: true, value: { a: [], b: { x: 1 } } });
    expect(value(`return {[1] = 1, [3] = 3}`)).toEqual({ ok: false, kind: "value", message: "cannot encode sparse array" });
    expect(value(`return {1, a = 2}`)).toEqual({ ok: false, kind: "value", message: "cannot encode mixed or invalid key types" });
    expect(value(`local t = {} t.self = t return t`)).toEqual({ ok: false, kind: "value", message: "cannot encode recursively nested tables to JSON" });
  });

  it("offers Argo's safe os (time, date on the injected clock) and the Lua 5.1 names its scripts use", () => {
    expect(value(`return {os.time(), os.date("!%Y-%m-%dT%H:%M:%SZ"), require("os").time()}`)).toEqual({ ok: true, value: [NOW, "2023-11-14T22:13:20Z", NOW] });
    expect(value(`return {table.getn({1, 2, 3}), unpack({7, 8}), math.pow(2, 10)}`)).toEqual({ ok: true, value: [3, 7, 1024] });
  });
});

describe("where scripts come from", () => {
  const scripts = parseLuaHealthScripts([
    { path: "cert-manager.io/Certificate/health.lua", text: `return {status = "Healthy", message = "file"}` },
    { path: "_.crossplane.io/_/health.lua", text: `return {status = "Degraded", message = "wildcard"}` },
    { path: "Service/health.lua", text: `return {status = "Suspended"}` },
    { path: "cert-manager.io/Certificate/health_test.yaml", text: "tests: []" },
    { path: "cert-manager.io/Certificate/testdata/x.yaml", text: "not: [a script" },
    {
      path: "argocd-cm.yaml",
      text: [
        "apiVersion: v1",
        "kind: ConfigMap",
        "metadata: {name: argocd-cm}",
        "data:",
        "  resource.customizations.health.example.com_Widget: |",
        "    return {status = 'Progressing', message = 'override'}",
        "  resource.customizations.useOpenLibs.example.com_Widget: 'true'",
        "  resource.customizations: |",
        "    example.com/Gadget:",
        "      health.lua: |",
        "        return {status = 'Healthy', message = 'legacy'}",
      ].join("\n"),
    },
  ]);

  it("reads Argo's directory layout (wildcards, core kinds) and argocd-cm keys, and ignores test files", () => {
    expect([...scripts.files.keys()].sort()).toEqual(["*.crossplane.io/*", "Service", "cert-manager.io/Certificate"]);
    expect([...scripts.overrides.keys()].sort()).toEqual(["example.com/Gadget", "example.com/Widget"]);
    expect(findLuaHealthScript(scripts, "pkg.crossplane.io", "Provider")?.key).toBe("*.crossplane.io/*");
    expect(findLuaHealthScript(scripts, "", "Service")?.key).toBe("Service");
    expect(findLuaHealthScript(scripts, "apps", "Deployment")).toBeUndefined();
  });

  it("never gives a Secret to a script, even under a catch-all key", () => {
    const text = "kind: ConfigMap\ndata:\n  resource.customizations.health.all: return {status = 'Healthy'}\n  resource.customizations.health.Secret: return {status = 'Healthy'}\n";
    const all = parseLuaHealthScripts([
      { path: "cm.yaml", text },
      { path: "Secret/health.lua", text: "return {status = 'Healthy'}" },
      { path: "_/health.lua", text: "return {status = 'Healthy'}" },
    ]);
    expect(findLuaHealthScript(all, "apps", "Deployment")?.key).toBe("*/*");
    expect(findLuaHealthScript(all, "", "ConfigMap")?.key).toBe("*");
    expect(findLuaHealthScript(all, "", "Secret")).toBeUndefined();
  });

  it("names the file of a malformed entry", () => {
    expect(() => parseLuaHealthScripts([{ path: "bad.yaml", text: "kind: ConfigMap\ndata:\n  resource.customizations.health.a_b_c: x\n" }])).toThrow(
      expect.objectContaining({ code: "KUBE_INVALID_HEALTH_SCRIPT", file: "bad.yaml", field: "data.resource.customizations.health.a_b_c" }),
    );
    expect(() => parseLuaHealthScripts([{ path: "g/K/health.lua", text: "x".repeat(70_000) }])).toThrow(expect.objectContaining({ code: "KUBE_INVALID_HEALTH_SCRIPT", file: "g/K/health.lua" }));
  });

  it("plugs into resourceHealth: the script decides before the built-in check and names its rule", () => {
    const custom = luaHealthRule({ runtime, scripts, now: () => NOW * 1000 });
    expect(resourceHealth(cert(), { custom })).toEqual({ status: "Healthy", message: "file", rule: "lua:cert-manager.io/Certificate" });
    const svc = { apiVersion: "v1", kind: "Service", metadata: { name: "s" }, spec: { type: "ClusterIP" } } as unknown as KubeObject;
    expect(resourceHealth(svc, { custom })).toEqual({ status: "Suspended", rule: "lua:Service" });
    const widget = { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } } as KubeObject;
    expect(resourceHealth(widget, { custom })).toEqual({ status: "Progressing", message: "override", rule: "lua:example.com/Widget" });
  });
});
