import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { silentLogger, systemClock } from "../core/index.js";
import type { CliContext } from "./context.js";
import { EXIT, runCli } from "./run-cli.js";

const dir = mkdtempSync(join(tmpdir(), "flotilla-health-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function run(args: string[], stdin = ""): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (c: Buffer) => (out += c.toString()));
  stderr.on("data", (c: Buffer) => (err += c.toString()));
  const ctx: CliContext = { env: {}, cwd: dir, stdin: Readable.from([stdin]), stdout, stderr, clock: systemClock, logger: silentLogger, shutdown: new AbortController().signal };
  const code = await runCli(args, ctx);
  return { code, out, err };
}

const MANIFESTS = `# a stuck rollout, a failed job, a config map and a Flux source
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, generation: 3}
spec: {replicas: 2}
status:
  observedGeneration: 3
  replicas: 3
  updatedReplicas: 1
  availableReplicas: 2
  conditions: [{type: Progressing, status: "False", reason: ProgressDeadlineExceeded}]
---
apiVersion: v1
kind: List
items:
- apiVersion: batch/v1
  kind: Job
  metadata: {name: migrate, namespace: shop}
  status: {conditions: [{type: Failed, status: "True", message: "Job has reached the specified backoff limit"}]}
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: settings, namespace: shop}
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: fleet, namespace: flux-system, generation: 2}
status:
  observedGeneration: 2
  conditions: [{type: Ready, status: "False", reason: AuthFailed, message: "authentication required"}, {type: Stalled, status: "True", message: "auth failed
    for ever"}]
`;

describe("flotilla health", () => {
  it("rates every object of the files (Lists expanded) and names the rule of each", async () => {
    writeFileSync(join(dir, "shop.yaml"), MANIFESTS);
    const r = await run(["health", "shop.yaml"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(EXIT.ok);
    const lines = r.out.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^KIND\s+NAMESPACE\s+NAME\s+STATUS\s+RULE\s+MESSAGE$/);
    expect(lines.slice(1).map((l) => l.split(/\s{3,}/u))).toEqual([
      ["Deployment", "shop", "web", "Degraded", "builtin:Deployment", 'Deployment "web" exceeded its progress deadline'],
      ["Job", "shop", "migrate", "Degraded", "builtin:Job", "Job has reached the specified backoff limit"],
      ["ConfigMap", "shop", "settings", "<none>", "<none>"],
      ["GitRepository", "flux-system", "fleet", "Degraded", "kstatus", "auth failed for ever"],
    ]);
  });

  it("-o json gives each object's file, line and health, and reads JSON from stdin with -", async () => {
    const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { restartPolicy: "Never" }, status: { phase: "Running" } };
    const r = await run(["health", "-o", "json", "-", "shop.yaml"], JSON.stringify(pod));
    expect(r.code).toBe(EXIT.ok);
    const { objects } = JSON.parse(r.out) as { objects: Record<string, unknown>[] };
    expect(objects[0]).toEqual({ file: "<stdin>", line: 1, apiVersion: "v1", kind: "Pod", name: "p", health: { status: "Progressing", rule: "builtin:Pod" } });
    expect(objects.map((o) => [o.file, o.line])).toEqual([
      ["<stdin>", 1],
      ["shop.yaml", 2],
      ["shop.yaml", 13],
      ["shop.yaml", 13],
      ["shop.yaml", 24],
    ]);
    expect(objects[3]).toMatchObject({ kind: "ConfigMap", health: null });
  });

  it("answers for documents that are not well-formed objects instead of failing", async () => {
    writeFileSync(join(dir, "odd.yaml"), "just a string\n---\n- 1\n- 2\n---\napiVersion: apps/v1\nkind: Deployment\nspec: {replicas: many}\n---\nkind: Pod\n");
    const r = await run(["health", "-o", "json", "odd.yaml"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(EXIT.ok);
    const healths = (JSON.parse(r.out) as { objects: { health: unknown }[] }).objects.map((o) => o.health);
    expect(healths).toEqual([
      { status: "Unknown", message: "not a Kubernetes object", rule: "none" },
      { status: "Unknown", message: "not a Kubernetes object", rule: "none" },
      { status: "Unknown", message: "failed to convert unstructured Deployment to typed: .spec.replicas: expected integer, got string", rule: "builtin:Deployment" },
      { status: "Unknown", message: "unsupported Pod GVK: /, Kind=Pod", rule: "builtin:Pod" },
    ]);
  });

  it("fails only on unreadable input, with a code and the file, before printing anything", async () => {
    writeFileSync(join(dir, "broken.yaml"), "kind: Pod\nmetadata: {name: [\n");
    const missing = await run(["health", "shop.yaml", "absent.yaml"]);
    expect(missing.code).toBe(EXIT.userError);
    expect(missing.out).toBe("");
    expect(missing.err).toBe("error[HEALTH_INPUT_UNREADABLE]: absent.yaml: cannot read the file: ENOENT\n");
    const broken = await run(["health", "broken.yaml"]);
    expect(broken.code).toBe(EXIT.userError);
    expect(broken.err).toMatch(/^error\[HEALTH_INPUT_INVALID\]: broken\.yaml: line \d+: /);
    expect(broken.err).not.toMatch(/\n\s+at /);
    const directory = await run(["health", "."]);
    expect(directory.err).toMatch(/^error\[HEALTH_INPUT_UNREADABLE\]: \.: cannot read the file: EISDIR/);
  });
});
