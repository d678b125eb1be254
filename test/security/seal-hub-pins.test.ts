import { createServer, type Server } from "node:http";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GeneratedSealingKey } from "../../crypto/open.js";
import { parseSealingCertificate } from "../../crypto/seal.js";
import { clusterFile, startFleet, type TestFleet } from "../e2e/fleet-harness.js";
import { freePort, runFlotilla } from "../harness/index.js";
import { testSealingKey } from "./leak-check.js";

// Attack: a compromised hub serves a sealing certificate of its own for a cluster, so that what
// `flotilla seal --fleet --hub` seals for that cluster opens with the attacker's key. The fleet
// repository pins each cluster's certificate (spec.sealingCertificateFingerprint); the CLI reads the
// pin from the user's checkout and refuses a certificate that differs. The impostor is an HTTP
// server in front of the real hub that answers the certificate request itself.

const CLUSTER = { name: "prod-eu", labels: { env: "prod" } };
let fleet: TestFleet;
let attacker: GeneratedSealingKey;
let impostor: Server;
let impostorUrl: string;
let realPrint: string;

async function flotilla(args: string[], cwd = fleet.dir): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runFlotilla(args, { cwd, timeoutMs: 60_000 });
}

const clusterPath = (): string => join(fleet.repo.dir, "clusters", "prod-eu.yaml");

beforeAll(async () => {
  fleet = await startFleet({ clusters: [CLUSTER], files: { "apps/placeholder/README.md": "x\n" } });
  attacker = await testSealingKey();
  const pem = await fleet.waitFor("prod-eu's certificate on the hub", () => fleet.hub().clusterCert("prod-eu"));
  realPrint = parseSealingCertificate(pem, { file: "hub" }).fingerprint;
  const port = await freePort();
  impostor = createServer((req, res) => {
    if (req.url === "/api/v1/clusters/prod-eu/cert") {
      res.writeHead(200, { "content-type": "application/x-pem-file" }).end(attacker.certificatePem);
      return;
    }
    void fetch(`${fleet.hubUrl()}${req.url ?? "/"}`).then(async (upstream) => {
      res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/json" }).end(await upstream.text());
    });
  });
  await new Promise<void>((resolve) => impostor.listen(port, "127.0.0.1", resolve));
  impostorUrl = `http://127.0.0.1:${String(port)}`;
  await writeFile(join(fleet.dir, "secret.yaml"), "apiVersion: v1\nkind: Secret\nmetadata:\n  name: api\n  namespace: shop\nstringData:\n  key: pins-test-value\n", { mode: 0o600 });
}, 300_000);

afterAll(async () => {
  await new Promise((resolve) => impostor?.close(resolve));
  await fleet?.stop();
});

describe("seal --fleet --hub checks each certificate against the fleet repository's pin", () => {
  it("an unpinned cluster is sealed with a warning naming the missing pin", async () => {
    const res = await flotilla(["seal", "--fleet", "--hub", impostorUrl, "--cluster", "prod-eu", "--fleet-repo", fleet.repo.dir, "-f", "secret.yaml", "-o", "yaml"]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain(`warning: cluster "prod-eu": trusting the hub's certificate ${attacker.fingerprint} unchecked`);
    expect(res.stderr).toContain("spec.sealingCertificateFingerprint");
  });

  it("keys pin writes the fingerprint into the cluster's file, keeping the rest", async () => {
    const before = await readFile(clusterPath(), "utf8");
    const res = await flotilla(["keys", "pin", "--hub", fleet.hubUrl(), "--cluster", "prod-eu", "--fleet-repo", fleet.repo.dir]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toBe(`prod-eu\t${realPrint}\tclusters/prod-eu.yaml\n`);
    const after = await readFile(clusterPath(), "utf8");
    expect(after.startsWith(before.trimEnd())).toBe(true);
    expect(after).toContain(`spec:\n  sealingCertificateFingerprint: ${realPrint}\n`);
    // The hub reads the same file: the repository stays valid for it.
    expect(clusterFile(CLUSTER)).toBe(before);
  });

  it("the real hub's certificate matches the pin: sealed, no warning", async () => {
    const res = await flotilla(["seal", "--fleet", "--hub", fleet.hubUrl(), "--cluster", "prod-eu", "--fleet-repo", fleet.repo.dir, "-f", "secret.yaml", "-o", "yaml"]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).not.toContain("warning");
    expect(res.stdout).toContain(`keyFingerprint: ${realPrint}`);
  });

  it("the impostor's certificate differs from the pin: refused, nothing written (pin found from the working directory)", async () => {
    const out = join(fleet.repo.dir, "apps", "api.sealed.yaml");
    const res = await flotilla(["seal", "--fleet", "--hub", impostorUrl, "--cluster", "prod-eu", "-f", join(fleet.dir, "secret.yaml"), "-o", "yaml", "-w", out], fleet.repo.dir);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain("SEAL_CERT_PIN_MISMATCH");
    expect(res.stderr).toContain("clusters/prod-eu.yaml");
    expect(res.stderr).toContain(attacker.fingerprint);
    expect(res.stderr).toContain(realPrint);
    expect(res.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
  });

  it("with a selector too, and through $FLOTILLA_FLEET_REPO", async () => {
    const res = await runFlotilla(["seal", "--fleet", "--hub", impostorUrl, "--selector", "env=prod", "-f", "secret.yaml"], { cwd: fleet.dir, env: { FLOTILLA_FLEET_REPO: fleet.repo.dir }, timeoutMs: 60_000 });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain("SEAL_CERT_PIN_MISMATCH");
    expect(res.stdout).toBe("");
  });

  it("keys pin from the impostor cannot replace a pin; a certificate from the cluster can", async () => {
    const pinned = await readFile(clusterPath(), "utf8");
    const res = await flotilla(["keys", "pin", "--hub", impostorUrl, "--cluster", "prod-eu", "--fleet-repo", fleet.repo.dir]);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain("SEAL_CERT_PIN_MISMATCH");
    expect(await readFile(clusterPath(), "utf8")).toBe(pinned);

    // After a real rotation the user pins the new certificate taken from the cluster itself.
    await mkdir(join(fleet.dir, "certs"), { recursive: true });
    await writeFile(join(fleet.dir, "certs", "new.pem"), attacker.certificatePem);
    const repin = await flotilla(["keys", "pin", "--cluster", "prod-eu", "--cert", "certs/new.pem", "--fleet-repo", fleet.repo.dir]);
    expect(repin.code, repin.stderr).toBe(0);
    expect(await readFile(clusterPath(), "utf8")).toContain(`sealingCertificateFingerprint: ${attacker.fingerprint}`);
  });

  it("keys pin refuses a cluster the repository does not declare", async () => {
    const res = await flotilla(["keys", "pin", "--cluster", "nowhere", "--fingerprint", realPrint, "--fleet-repo", fleet.repo.dir]);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain("PIN_CLUSTER_NOT_FOUND");
  });
});
