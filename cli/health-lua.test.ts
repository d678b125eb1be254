import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { silentLogger, type Clock } from "../core/index.js";
import type { CliContext } from "./context.js";
import { runCli } from "./run-cli.js";

const dir = mkdtempSync(join(tmpdir(), "flotilla-health-lua-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const clock: Clock = { now: () => Date.UTC(2026, 0, 1), sleep: () => Promise.resolve() };

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (c: Buffer) => (out += c.toString()));
  stderr.on("data", (c: Buffer) => (err += c.toString()));
  const ctx: CliContext = { env: {}, cwd: dir, stdin: Readable.from([""]), stdout, stderr, clock, logger: silentLogger, shutdown: new AbortController().signal };
  const code = await runCli(args, ctx);
  return { code, out, err };
}

function write(path: string, text: string): void {
  mkdirSync(join(dir, path, ".."), { recursive: true });
  writeFileSync(join(dir, path), text);
}

// Argo CD's layout, with scripts written for this test.
write(
  "health/cert-manager.io/Certificate/health.lua",
  `if obj.status ~= nil and obj.status.conditions ~= nil then
  for _, c in ipairs(obj.status.conditions) do
    if c.type == "Ready" and c.status == "True" then return {status = "Healthy", message = c.message} end
  end
end
return {status = "Progressing", message = "Waiting for certificate, checked at " .. os.date("!%Y-%m-%d")}`,
);
write("health/cert-manager.io/Issuer/health.lua", `return {status = obj.spec.acme.server}`);
write("health/cert-manager.io/Certificate/health_test.yaml", "tests: [] # Argo's test file: not read");
write(
  "health/argocd-cm.yaml",
  `apiVersion: v1
kind: ConfigMap
metadata: {name: argocd-cm, namespace: argocd}
data:
  resource.customizations.health.example.com_Widget: |
    return {status = "Suspended", message = "paused by " .. obj.spec.owner}
`,
);
write(
  "objects.yaml",
  `apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: pending, namespace: web}
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: ready, namespace: web}
status: {conditions: [{type: Ready, status: "True", message: "Certificate is up to date"}]}
---
apiVersion: cert-manager.io/v1
kind: Issuer
metadata: {name: letsencrypt, namespace: web}
spec: {}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w, namespace: web}
spec: {owner: ops}
`,
);

describe("flotilla health --lua", () => {
  it("rates with the directory's scripts and argocd-cm keys, naming each lua rule", async () => {
    const { code, out, err } = await run(["health", "-o", "json", "--lua", "health", "objects.yaml"]);
    expect(err).toBe("");
    expect(code).toBe(0);
    const rows = (JSON.parse(out) as { objects: { name: string; health: unknown }[] }).objects;
    expect(rows.map((r) => [r.name, r.health])).toEqual([
      ["pending", { status: "Progressing", message: "Waiting for certificate, checked at 2026-01-01", rule: "lua:cert-manager.io/Certificate" }],
      ["ready", { status: "Healthy", message: "Certificate is up to date", rule: "lua:cert-manager.io/Certificate" }],
      ["letsencrypt", { status: "Unknown", message: expect.stringMatching(/^health script failed: health\.lua:1: attempt to index a nil value \(field 'acme'\)/) as unknown, rule: "lua:cert-manager.io/Issuer" }],
      ["w", { status: "Suspended", message: "paused by ops", rule: "lua:example.com/Widget" }],
    ]);
  });

  it("prints the rule in the table", async () => {
    const { code, out } = await run(["health", "--lua", "health", "objects.yaml"]);
    expect(code).toBe(0);
    expect(out).toMatch(/Certificate\s+web\s+ready\s+Healthy\s+lua:cert-manager\.io\/Certificate\s+Certificate is up to date/u);
  });

  it("without --lua the same objects fall to the generic rules", async () => {
    const { out } = await run(["health", "-o", "json", "objects.yaml"]);
    expect(out).not.toContain("lua:");
  });

  it("a directory that cannot be used stops the command with a code naming the file", async () => {
    write("broken/cm.yaml", "kind: ConfigMap\ndata:\n  resource.customizations.health.a_b_c: x\n");
    const broken = await run(["health", "--lua", "broken", "objects.yaml"]);
    expect(broken.code).not.toBe(0);
    expect(broken.out).toBe("");
    expect(broken.err).toContain("KUBE_INVALID_HEALTH_SCRIPT");
    expect(broken.err).toContain(join("broken", "cm.yaml"));
    const missing = await run(["health", "--lua", "nowhere", "objects.yaml"]);
    expect(missing.code).not.toBe(0);
    expect(missing.err).toContain("HEALTH_LUA_DIR_UNREADABLE");
    expect(missing.err).not.toContain("    at ");
  });
});
