import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CLI_PATH, freePort, runFlotilla } from "../harness/index.js";
import { Kubectl } from "./kubectl.js";

interface Running {
  readonly child: ChildProcessWithoutNullStreams;
  readonly readyLine: string;
}

/** Starts `flotilla devcluster` (the built CLI) and resolves with the line that says it is ready. */
function startCli(args: readonly string[]): Promise<Running> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_PATH, "devcluster", ...args], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`devcluster did not become ready: ${out}${err}`));
    }, 20_000);
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
      const line = out.split("\n").find((l) => l.includes("ready"));
      if (line !== undefined) {
        clearTimeout(timer);
        resolve({ child, readyLine: line });
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`devcluster exited with ${String(code)}: ${out}${err}`));
    });
  });
}

function stopCli(r: Running): Promise<number | null> {
  return new Promise((resolve) => {
    r.child.removeAllListeners("exit");
    r.child.on("exit", (code) => resolve(code));
    r.child.kill("SIGTERM");
  });
}

describe("flotilla devcluster --data", () => {
  const dir = mkdtempSync(join(tmpdir(), "devcluster-cli-"));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("keeps objects across a restart and keeps resourceVersions moving forward", async () => {
    const port = await freePort();
    const kubeconfig = join(dir, "kubeconfig");
    const data = join(dir, "state.json");
    const args = ["--port", String(port), "--kubeconfig", kubeconfig, "--data", data, "--name", "persisted"];

    const first = await startCli(args);
    expect(first.readyLine).toContain(`https://127.0.0.1:${port}`);
    const kubectl = new Kubectl(kubeconfig);
    const created = await kubectl.run(["apply", "-f", "-"], "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: durable, namespace: default}\ndata: {k: one}\n");
    expect(created.stdout).toContain("configmap/durable created");
    const rvBefore = Number((await kubectl.run(["get", "configmap", "durable", "-o", "jsonpath={.metadata.resourceVersion}"])).stdout);
    expect(await stopCli(first)).toBe(0);

    // The restarted server writes a new kubeconfig (new certificate and token) to the same path.
    const second = await startCli(args);
    try {
      const kubectl2 = new Kubectl(kubeconfig);
      const got = await kubectl2.run(["get", "configmap", "durable", "-o", "jsonpath={.data.k} {.metadata.resourceVersion}"]);
      expect(got.stdout).toBe(`one ${rvBefore}`);
      await kubectl2.run(["apply", "-f", "-"], "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: durable, namespace: default}\ndata: {k: two}\n");
      const rvAfter = Number((await kubectl2.run(["get", "configmap", "durable", "-o", "jsonpath={.metadata.resourceVersion}"])).stdout);
      expect(rvAfter).toBeGreaterThan(rvBefore);
    } finally {
      expect(await stopCli(second)).toBe(0);
    }
  });

  it("refuses a data file that is not a devcluster state file, naming it", async () => {
    const bad = join(dir, "bad.json");
    writeFileSync(bad, '{"objects": "nope"}');
    const r = await runFlotilla(["devcluster", "--port", "0", "--kubeconfig", join(dir, "kc2"), "--data", bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error\[DEVCLUSTER_DATA_INVALID\]: .*bad\.json: .*not a devcluster state file/m);
    expect(r.stderr).not.toContain("    at ");
  });
});
