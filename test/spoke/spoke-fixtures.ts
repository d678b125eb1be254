import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { parse, parseAllDocuments } from "yaml";
import { startDevCluster, type DevCluster } from "../../devcluster/index.js";
import { createLogger, silentLogger, systemClock } from "../../core/index.js";
import { loadKubeconfig, RestKube, type KubeObject } from "../../kube/index.js";
import type { StatusReportInput } from "../../protocol/index.js";
import { SpokeRuntime } from "../../spoke/index.js";
import { fixturePath, REPO_ROOT } from "../harness/index.js";
import { createNamespace, kubectl } from "../kube/kube-fixtures.js";
import { SOPS_SECRET } from "./fleet-repo-fixture.js";

export const SPOKE_NS = "flotilla-system";

/** A devcluster with our CRDs (as deploy/ installs them) and the spoke namespace. */
export async function clusterWithCrds(name: string): Promise<DevCluster> {
  const cluster = await startDevCluster({ name, controllerDelayMs: 50 });
  for (const file of ["sealed-secret.yaml", "fleet-sealed-secret.yaml"]) {
    await kubectl(cluster.kubeconfigPath, ["apply", "-f", join(REPO_ROOT, "crds", file)]);
  }
  await createNamespace(cluster.kubeconfigPath, SPOKE_NS);
  return cluster;
}

export function kubeFor(cluster: DevCluster): RestKube {
  return new RestKube({ target: loadKubeconfig(cluster.kubeconfigPath), fieldManager: "flotilla", retry: { attempts: 6, baseDelayMs: 20, maxDelayMs: 200 } });
}

/**
 * A SpokeRuntime as the runtime tests drive it: fleet prod, cluster eu-1, no key rotation and no
 * periodic resync (the test decides when passes run); debug log lines go to `logLines` when given.
 */
export function testRuntime(cluster: DevCluster, options: { client?: RestKube; report?: (r: StatusReportInput) => void; logLines?: string[] } = {}): SpokeRuntime {
  const lines = options.logLines;
  const logger =
    lines === undefined
      ? silentLogger()
      : createLogger({
          level: "debug",
          destination: new Writable({
            write(chunk: Buffer, _enc, cb) {
              lines.push(chunk.toString());
              cb();
            },
          }),
        });
  return new SpokeRuntime({
    fleet: "prod",
    cluster: "eu-1",
    client: options.client ?? kubeFor(cluster),
    namespace: SPOKE_NS,
    clock: systemClock,
    rotateEveryMs: 0,
    resyncIntervalMs: 0,
    logger,
    ...(options.report === undefined ? {} : { report: options.report }),
  });
}

/** The controller-format key Secret of the fixtures (key-a), as a cluster migrating from the controller has it. */
export async function installFixtureSealingKey(cluster: DevCluster): Promise<void> {
  const secret = parse(readFileSync(fixturePath("sealed-secrets", "sealing-key-a.secret.yaml"), "utf8")) as KubeObject;
  delete secret.metadata.generateName;
  secret.metadata = { ...secret.metadata, name: "sealed-secrets-keyabcde", namespace: SPOKE_NS };
  delete secret.metadata.creationTimestamp;
  await kubectl(cluster.kubeconfigPath, ["apply", "-f", "-"], JSON.stringify(secret));
}

/** The age key of SOPS_SECRET (fleet-repo-fixture) in the spoke's SOPS Secret. */
export async function installFixtureSopsKey(cluster: DevCluster): Promise<void> {
  const key = Buffer.from(`${SOPS_SECRET.identity}\n`);
  await kubectl(
    cluster.kubeconfigPath,
    ["apply", "-f", "-"],
    JSON.stringify({ apiVersion: "v1", kind: "Secret", metadata: { name: "flotilla-sops-keys", namespace: SPOKE_NS }, data: { "fixture.agekey": key.toString("base64") } }),
  );
}

export function fixtureObject(...parts: string[]): KubeObject {
  const docs = parseAllDocuments(readFileSync(fixturePath(...parts), "utf8"));
  return docs[0]?.toJSON() as KubeObject;
}

export function expected(kind: "sealed-secrets", key: string): any { // eslint-disable-line @typescript-eslint/no-explicit-any -- fixture JSON
  const json = JSON.parse(readFileSync(fixturePath(kind, "expected.json"), "utf8"));
  return json.sealedSecrets[key];
}

/** Polls until `check` returns a value (or throws after `ms`). No timing is asserted; this only bounds a wait. */
export async function eventually<T>(check: () => Promise<T | undefined>, ms = 15_000, what = "condition"): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last === undefined ? "" : `: ${last instanceof Error ? last.message : "unknown error"}`}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
