import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { silentLogger } from "../../core/index.js";
import { ProcessSupervisor } from "../../demo/index.js";
import { CLI_PATH, REPO_ROOT } from "../harness/index.js";

// deploy/: every overlay renders with the real `kubectl kustomize` and applies (server-side) to a
// devcluster started with `flotilla devcluster`.

const run = promisify(execFile);
const supervisor = new ProcessSupervisor({ logger: silentLogger() });
let dir: string;
let kubeconfig: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "flotilla-deploy-"));
  kubeconfig = join(dir, "kubeconfig.yaml");
  await supervisor.start({ name: "devcluster", command: process.execPath, args: [CLI_PATH, "devcluster", "--port", "0", "--kubeconfig", kubeconfig, "--name", "deploy"], ready: /ready at/, readyTimeoutMs: 60_000 });
});

afterAll(async () => {
  await supervisor.stopAll();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

async function render(overlay: string): Promise<string> {
  const { stdout, stderr } = await run("kubectl", ["kustomize", join(REPO_ROOT, "deploy", "overlays", overlay)]);
  expect(stderr).toBe("");
  return stdout;
}

interface Container {
  name: string;
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  livenessProbe?: { httpGet?: { port: string | number } };
  readinessProbe?: { httpGet?: { port: string | number } };
}

/** Each probe of each Deployment hits a port the container declares and its args serve (--listen / --metrics-addr). */
function probesServed(yaml: string): string[] {
  const checked: string[] = [];
  for (const doc of parseAllDocuments(yaml).map((d) => d.toJSON() as { kind?: string; spec?: { template?: { spec?: { containers?: Container[] } } } })) {
    if (doc.kind !== "Deployment") continue;
    for (const c of doc.spec?.template?.spec?.containers ?? []) {
      for (const probe of [c.livenessProbe, c.readinessProbe]) {
        const port = probe?.httpGet?.port;
        if (port === undefined) continue;
        const number = typeof port === "number" ? port : c.ports?.find((p) => p.name === port)?.containerPort;
        expect(number, `${c.name}: probe port ${String(port)}`).toBeDefined();
        expect(c.args?.some((a) => /^--(listen|metrics-addr)=.*:(\d+)$/.test(a) && a.endsWith(`:${String(number)}`)), `${c.name} serves :${String(number)}`).toBe(true);
        checked.push(`${c.name}:${String(number)}`);
      }
    }
  }
  return checked;
}

async function apply(manifests: string): Promise<string> {
  const file = join(dir, `apply-${String(Date.now())}.yaml`);
  await writeFile(file, manifests);
  return (await run("kubectl", ["--kubeconfig", kubeconfig, "apply", "--server-side", "-f", file])).stdout;
}

describe("deploy/ overlays", () => {
  it("has the overlays the docs describe", async () => {
    expect((await readdir(join(REPO_ROOT, "deploy", "overlays"))).sort()).toEqual(["management", "region-leaf", "workload"]);
  });

  it("management: NATS with the generated per-spoke users, and the hub without a service-account token", async () => {
    const yaml = await render("management");
    expect(yaml).toMatch(/kind: StatefulSet\n/);
    expect(yaml).toContain("# spoke prod-eu");
    expect(yaml).toContain("- --repo=https://github.com/example/fleet.git");
    expect(yaml).toMatch(/automountServiceAccountToken: false/);
    expect(probesServed(yaml)).toEqual(["hub:8080", "hub:8080"]);
    expect(yaml).not.toMatch(/kind: (Role|ClusterRole)\n/);
    // Public nkeys only: a user seed starts with SU.
    expect(yaml).not.toMatch(/\bSU[A-Z2-7]{50,}/);
    const out = await apply(yaml);
    expect(out).toContain("deployment.apps/flotilla-hub serverside-applied");
    expect(out).toContain("statefulset.apps/nats serverside-applied");
    // A 3-server cluster: each pod reads its own generated file; routes go through the headless Service.
    expect(yaml).toMatch(/replicas: 3\n/);
    for (const i of [0, 1, 2]) expect(yaml).toContain(`nats-server-nats-${String(i)}.conf: |`);
    expect(yaml).toContain("/etc/nats/nats-server-$(POD_NAME).conf");
    expect(yaml).toContain('"nats-route://nats-2.nats-headless:6222"');
  });

  it("region-leaf: a stateless leaf server whose config (it holds the leaf password) comes from a Secret", async () => {
    const yaml = await render("region-leaf");
    expect(yaml).toContain("secretName: nats-leaf-config");
    expect(yaml).not.toMatch(/kind: (ConfigMap|StatefulSet|PersistentVolumeClaim)\n/);
    const out = await apply(yaml);
    expect(out).toContain("deployment.apps/nats-leaf serverside-applied");
  });

  it("workload: the spoke with its cluster name, pinned hub key and least-privilege RBAC", async () => {
    const yaml = await render("workload");
    expect(yaml).toContain("- --cluster=prod-eu");
    expect(yaml).toMatch(/- --hub-key=ed25519:/);
    // The overlay replaces the args; the liveness and readiness probes must still find the metrics port.
    expect(probesServed(yaml)).toEqual(["spoke:8080", "spoke:8080"]);
    const out = await apply(yaml);
    expect(out).toContain("deployment.apps/flotilla-spoke serverside-applied");
    expect(out).toContain("clusterrole.rbac.authorization.k8s.io/flotilla-spoke-apply serverside-applied");
    const { stdout } = await run("kubectl", ["--kubeconfig", kubeconfig, "get", "deploy", "-n", "flotilla-system", "-o", "name"]);
    expect(stdout.split("\n").filter((l) => l !== "" && l !== "deployment.apps/nats-leaf").sort()).toEqual(["deployment.apps/flotilla-hub", "deployment.apps/flotilla-spoke"]);
  });
});
