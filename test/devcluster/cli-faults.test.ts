import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CLI_PATH, runFlotilla } from "../harness/index.js";
import { Kubectl } from "./kubectl.js";

const DEPLOYMENT = (image: string): string => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "${image}"}]
`;

describe("flotilla devcluster --faults", () => {
  const dir = mkdtempSync(join(tmpdir(), "devcluster-faults-"));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses a missing, malformed or invalid faults file, naming the file and the field, without a stack", async () => {
    const write = (name: string, text: string): string => {
      const file = join(dir, name);
      writeFileSync(file, text);
      return file;
    };
    const cases: [string, RegExp][] = [
      [join(dir, "absent.json"), /absent\.json: --faults: cannot read the faults file: ENOENT/],
      [write("broken.json", "{unpullableImages: ["), /broken\.json: --faults: not JSON/],
      [write("typo.json", '{"unpullableImage": ["nginx:bad"]}'), /typo\.json: faults\.unpullableImage: unknown fault "unpullableImage"/],
      [write("shape.json", '{"unpullableImages": "nginx:bad"}'), /shape\.json: faults\.unpullableImages: unpullableImages must be a list of non-empty strings/],
      [write("rate.json", '{"errorRate": 7}'), /rate\.json: faults\.errorRate: errorRate must be between 0 and 1/],
    ];
    for (const [file, message] of cases) {
      const result = await runFlotilla(["devcluster", "--port", "0", "--kubeconfig", join(dir, "kubeconfig"), "--faults", file]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^error\[DEVCLUSTER_INVALID_FAULTS\]: /);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toMatch(/^\s+at /m);
      expect(result.stdout).not.toContain("ready at");
    }
    for (const factor of ["0", "-1", "fast"]) {
      const result = await runFlotilla(["devcluster", "--port", "0", "--kubeconfig", join(dir, "kubeconfig"), "--time-factor", factor]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^error\[INVALID_FLAG\]: .*--time-factor/);
      expect(result.stderr).not.toMatch(/^\s+at /m);
    }
  });

  it("plays the faults of the file from the start: a deployment with an unpullable image progresses, then exceeds its deadline (--time-factor)", async () => {
    const faults = join(dir, "faults.json");
    writeFileSync(faults, JSON.stringify({ unpullableImages: ["*:does-not-exist"] }));
    const kubeconfig = join(dir, "kubeconfig");
    const child = spawn(process.execPath, [CLI_PATH, "devcluster", "--port", "0", "--kubeconfig", kubeconfig, "--faults", faults, "--time-factor", "0.01"], { stdio: ["ignore", "pipe", "pipe"] });
    try {
      await new Promise<void>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (c: Buffer) => {
          out += c.toString();
          if (out.includes("ready at")) resolve();
        });
        child.on("exit", (code) => reject(new Error(`devcluster exited with ${String(code)}: ${out}`)));
      });
      const kubectl = new Kubectl(kubeconfig);
      expect((await kubectl.run(["apply", "-f", "-"], DEPLOYMENT("nginx:does-not-exist"))).code).toBe(0);
      const reason = ["get", "deployment", "web", "-o", 'jsonpath={.spec.template.spec.containers[0].image} {.status.conditions[?(@.type=="Progressing")].reason}'];
      const wait = async (want: string): Promise<void> => {
        for (let i = 0; i < 100; i += 1) {
          if ((await kubectl.run(reason)).stdout === want) return;
          await new Promise((r) => setTimeout(r, 100));
        }
        expect((await kubectl.run(reason)).stdout).toBe(want);
      };
      // Not failed at once: Progressing for progressDeadlineSeconds (600) × 0.01 = 6 s, then the deadline passes.
      await wait("nginx:does-not-exist ReplicaSetUpdated");
      await wait("nginx:does-not-exist ProgressDeadlineExceeded");
      expect((await kubectl.run(["rollout", "status", "deployment/web", "--timeout", "5s"])).stderr).toContain("exceeded its progress deadline");
      expect((await kubectl.run(["apply", "-f", "-"], DEPLOYMENT("nginx:1.27"))).code).toBe(0);
      await wait("nginx:1.27 NewReplicaSetAvailable");
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
    }
  });
});
