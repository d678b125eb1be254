import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDevCluster, type DevCluster } from "../../devcluster/index.js";
import { parseYamlDocuments } from "../../gitops/index.js";
import { REPO_ROOT } from "../harness/index.js";

// The reading of YAML 1.1 scalars (gitops/kube-yaml.ts) against the real kubectl: both read the
// same fixture, and every value must come out the same.

const run = promisify(execFile);
const FIXTURE = join(REPO_ROOT, "test", "gitops", "fixtures", "yaml11", "scalars.yaml");

let cluster: DevCluster;
beforeAll(async () => {
  cluster = await startDevCluster({ name: "kube-yaml" });
});
afterAll(async () => {
  await cluster.stop();
});

describe("YAML scalars: flotilla reads a manifest as kubectl does", () => {
  it("every yes/on/off/0755/1_000/0x1F/.5/timestamp-like scalar of the fixture matches kubectl's reading", async () => {
    const { stdout } = await run("kubectl", ["--kubeconfig", cluster.kubeconfigPath, "create", "--dry-run=client", "--validate=false", "-o", "json", "-f", FIXTURE]);
    const kubectl = (JSON.parse(stdout) as { data: Record<string, unknown> }).data;
    const ours = parseYamlDocuments(readFileSync(FIXTURE, "utf8"), "scalars.yaml")[0]?.value["data"] as Record<string, unknown>;
    expect(Object.keys(kubectl).length).toBeGreaterThan(30);
    expect(ours).toEqual(kubectl);
  });
});
