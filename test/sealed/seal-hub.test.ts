import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger, systemClock } from "../../core/index.js";
import { createKeyRing, generateSealingKey, unsealFleetSealedSecret, unsealSealedSecret, type GeneratedSealingKey, type KeyRing } from "../../crypto/open.js";
import { SEALED_ERROR, isSealedSecretsError, type FleetSealedSecretManifest, type SealedSecretManifest } from "../../crypto/seal.js";
import { ProcessSupervisor } from "../../demo/index.js";
import { generateSigningKey, signHello, subjects, type SigningKey } from "../../protocol/index.js";
import { exampleFleetFiles } from "../e2e/fleet-files.js";
import { freePort, makeGitRepo, runFlotilla, startHubProcess, startNats, until, type CliResult, type GitRepo, type NatsServerHandle } from "../harness/index.js";

// The security team seals against the hub's view of the fleet: a real hub process (the built CLI)
// fed by a real nats-server, with the test playing each spoke: it signs Hello messages carrying a
// sealing certificate exactly as spoke/ does. The keys are throwaway ones made here.

const FLEET = "demo";
const PLAINTEXT = "hub-sealed-plaintext-that-must-not-leak-5521";
const SECRET = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: api\n  namespace: payments\ntype: Opaque\nstringData:\n  password: ${PLAINTEXT}\n`;

let nats: NatsServerHandle;
let repo: GitRepo;
let work: string;
let hubUrl: string;
let nc: NatsConnection;
const supervisor = new ProcessSupervisor({ logger: silentLogger() });
const spokeKeys = new Map<string, SigningKey>();
const sealingKeys = new Map<string, GeneratedSealingKey>();
const results: CliResult[] = [];

const newSealingKey = (): Promise<GeneratedSealingKey> =>
  generateSealingKey({ clock: systemClock, random: (n) => new Uint8Array(randomBytes(n)), bits: 2048 });
const ring = (cluster: string): KeyRing => createKeyRing([sealingKeys.get(cluster)!.key]);
const at = (name: string): string => join(work, name);

/** Says hello as the cluster's spoke would, with its current sealing certificate, and waits until the hub serves it. */
async function hello(cluster: string, key: GeneratedSealingKey): Promise<void> {
  sealingKeys.set(cluster, key);
  let signing = spokeKeys.get(cluster);
  if (signing === undefined) {
    signing = generateSigningKey();
    spokeKeys.set(cluster, signing);
  }
  const message = signHello({ fleet: FLEET, cluster, sentAt: new Date().toISOString(), spokeVersion: "test", heartbeatSeconds: 60, sealingCert: key.certificatePem }, signing);
  nc.publish(subjects.hello(FLEET, cluster), JSON.stringify(message));
  await nc.flush();
  await until(`the hub serving ${cluster}'s certificate`, async () => {
    const res = await fetch(`${hubUrl}/api/v1/clusters/${cluster}/cert`);
    return res.ok && (await res.text()) === key.certificatePem ? true : undefined;
  });
}

async function flotilla(args: readonly string[], options: { input?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
  const raw = await runFlotilla(args, { input: options.input ?? "", env: { FLOTILLA_HUB: "", FLOTILLA_FLEET_REPO: "", ...options.env } });
  results.push(raw);
  // These stories run without a fleet repository, so every certificate from the hub is unpinned and
  // warned about; the pins themselves are test/security/seal-hub-pins.test.ts's subject.
  const unpinned = /^warning: cluster "[^"]+": trusting the hub's certificate \S+ unchecked: no fleet repository found[^\n]*\n/gmu;
  expect(raw.stderr.replace(unpinned, "")).not.toContain("warning:");
  return { ...raw, stderr: raw.stderr.replace(unpinned, "") };
}

function expectUserError(result: CliResult, code: string): void {
  expect(result.code).toBe(1);
  expect(result.stdout).toBe("");
  expect(result.stderr).toMatch(new RegExp(`^error\\[${code}\\]: [^\\n]+\\n$`));
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return isSealedSecretsError(err) ? err.code : "not a sealed-secrets error";
  }
}

function password(secret: { data?: Record<string, string> }): string {
  return Buffer.from(secret.data?.password ?? "", "base64").toString();
}

beforeAll(async () => {
  nats = await startNats();
  work = await mkdtemp(join(tmpdir(), "flotilla-seal-hub-"));
  repo = await makeGitRepo(await exampleFleetFiles());
  hubUrl = (await startHubProcess({ supervisor, fleet: FLEET, natsUrl: nats.url, repoDir: repo.dir, workDir: work, clusters: 3 })).url;
  nc = await connect({ servers: nats.url });
  const [eu, us, staging] = await Promise.all([newSealingKey(), newSealingKey(), newSealingKey()]);
  sealingKeys.set("prod-eu", eu);
  sealingKeys.set("prod-us", us);
  sealingKeys.set("staging", staging);
});

afterAll(async () => {
  await nc?.close();
  await supervisor.stopAll();
  await nats?.stop();
  await repo?.remove();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe("flotilla seal --hub", () => {
  it("names the clusters whose spokes have not sent a certificate yet", async () => {
    const res = await flotilla(["seal", "--fleet", "--selector", "env=prod", "--hub", hubUrl], { input: SECRET });
    expectUserError(res, "SEAL_NO_CERTIFICATE");
    expect(res.stderr).toContain('error[SEAL_NO_CERTIFICATE]: --selector: clusters "prod-eu", "prod-us" have no sealing certificate on the hub');
  });

  it("seals a FleetSealedSecret for exactly the clusters matching --selector, each entry opening only with its own key", async () => {
    for (const cluster of ["prod-eu", "prod-us", "staging"]) await hello(cluster, sealingKeys.get(cluster)!);
    const res = await flotilla(["seal", "--fleet", "--selector", "env=prod", "--hub", hubUrl, "-o", "yaml", "-w", at("api.fleet.yaml")], { input: SECRET });
    expect(res.code).toBe(0);
    expect(res.stderr).toBe(
      `sealing for prod-eu (${sealingKeys.get("prod-eu")!.fingerprint}), prod-us (${sealingKeys.get("prod-us")!.fingerprint}) from the hub at ${hubUrl}\n`,
    );
    const fss = parse(await readFile(at("api.fleet.yaml"), "utf8")) as FleetSealedSecretManifest;
    expect(fss.kind).toBe("FleetSealedSecret");
    expect(fss.spec.clusters.map((c) => [c.cluster, c.keyFingerprint])).toEqual([
      ["prod-eu", sealingKeys.get("prod-eu")!.fingerprint],
      ["prod-us", sealingKeys.get("prod-us")!.fingerprint],
    ]);
    expect(password(unsealFleetSealedSecret(fss, "prod-eu", ring("prod-eu")))).toBe(PLAINTEXT);
    expect(password(unsealFleetSealedSecret(fss, "prod-us", ring("prod-us")))).toBe(PLAINTEXT);
    expect(codeOf(() => unsealFleetSealedSecret(fss, "prod-us", ring("prod-eu")))).toBe(SEALED_ERROR.noKeyCouldDecrypt);
    expect(codeOf(() => unsealFleetSealedSecret(fss, "prod-eu", ring("prod-us")))).toBe(SEALED_ERROR.noKeyCouldDecrypt);
    expect(codeOf(() => unsealFleetSealedSecret(fss, "staging", ring("staging")))).toBe(SEALED_ERROR.fleetNoEntry);
    for (const cluster of ["prod-eu", "prod-us"]) expect(codeOf(() => unsealFleetSealedSecret(fss, cluster, ring("staging")))).toBe(SEALED_ERROR.noKeyCouldDecrypt);
  });

  it("adds --cluster and --cert CLUSTER=FILE to the selected set, and takes the hub URL from $FLOTILLA_HUB", async () => {
    const extra = await newSealingKey();
    await writeFile(at("dr.pem"), extra.certificatePem);
    const res = await flotilla(["seal", "--fleet", "--selector", "env=prod", "--cluster", "staging", "--cert", `dr-site=${at("dr.pem")}`], {
      input: SECRET,
      env: { FLOTILLA_HUB: hubUrl },
    });
    expect(res.code).toBe(0);
    const fss = JSON.parse(res.stdout) as FleetSealedSecretManifest;
    expect(fss.spec.clusters.map((c) => c.cluster)).toEqual(["dr-site", "prod-eu", "prod-us", "staging"]);
    expect(password(unsealFleetSealedSecret(fss, "staging", ring("staging")))).toBe(PLAINTEXT);
    expect(password(unsealFleetSealedSecret(fss, "dr-site", createKeyRing([extra.key])))).toBe(PLAINTEXT);
  });

  it("seals a plain SealedSecret with one --cluster's certificate from the hub", async () => {
    const res = await flotilla(["seal", "--hub", hubUrl, "--cluster", "staging", "-o", "yaml"], { input: SECRET });
    expect(res.code).toBe(0);
    const sealed = parse(res.stdout) as SealedSecretManifest;
    expect(sealed.kind).toBe("SealedSecret");
    expect(sealed.metadata.annotations?.["flotilla.dev/sealed-by-key"]).toBe(sealingKeys.get("staging")!.fingerprint);
    expect(password(unsealSealedSecret(sealed, ring("staging")))).toBe(PLAINTEXT);
    expect(codeOf(() => unsealSealedSecret(sealed, ring("prod-eu")))).toBe(SEALED_ERROR.noKeyCouldDecrypt);
  });

  it("reports each failure as error[CODE] naming the flag, with exit 1 and no stack", async () => {
    const none = await flotilla(["seal", "--fleet", "--selector", "env=qa", "--hub", hubUrl], { input: SECRET });
    expectUserError(none, "SEAL_NO_CLUSTERS");
    expect(none.stderr).toBe(`error[SEAL_NO_CLUSTERS]: --selector: no cluster on the hub at ${hubUrl} matches "env=qa"\n`);

    const bad = await flotilla(["seal", "--fleet", "--selector", "env in (prod)", "--hub", hubUrl], { input: SECRET });
    expectUserError(bad, "INVALID_SELECTOR");
    expect(bad.stderr).toMatch(/^error\[INVALID_SELECTOR\]: --selector: "env in \(prod\)": /);

    const unknown = await flotilla(["seal", "--hub", hubUrl, "--cluster", "nope"], { input: SECRET });
    expect(unknown.stderr).toBe('error[CLUSTER_NOT_FOUND]: --cluster: the hub knows no cluster "nope"\n');
    expect(unknown.code).toBe(1);

    // A cluster the hub knows (from the fleet repo) whose spoke never said hello.
    const clusters = (await (await fetch(`${hubUrl}/api/v1/clusters`)).json()) as { items: { name: string; hasSealingCert: boolean }[] };
    const silent = clusters.items.find((c) => !c.hasSealingCert)?.name;
    expect(silent).toBeDefined();
    const noCert = await flotilla(["seal", "--fleet", "--hub", hubUrl, "--cluster", silent!, "--selector", "env=prod"], { input: SECRET });
    expectUserError(noCert, "SEAL_NO_CERTIFICATE");
    expect(noCert.stderr).toContain(`error[SEAL_NO_CERTIFICATE]: --cluster: cluster "${silent!}" has no sealing certificate on the hub`);

    const down = await flotilla(["seal", "--fleet", "--selector", "env=prod", "--hub", `http://127.0.0.1:${String(await freePort())}`], { input: SECRET });
    expectUserError(down, "HUB_UNREACHABLE");
    expect(down.stderr).toMatch(/^error\[HUB_UNREACHABLE\]: --hub: cannot reach the hub at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED\n$/);

    const selectorNeedsFleet = await flotilla(["seal", "--hub", hubUrl, "--selector", "env=prod"], { input: SECRET });
    expect(selectorNeedsFleet.stderr).toMatch(/^error\[INVALID_FLAG\]: --selector: --selector needs --fleet/);
    const hubAlone = await flotilla(["seal", "--fleet", "--hub", hubUrl], { input: SECRET });
    expect(hubAlone.stderr).toMatch(/^error\[INVALID_FLAG\]: --selector: --hub needs --selector/);
    for (const r of [selectorNeedsFleet, hubAlone]) expect(r.code).toBe(1);
  });
});

describe("flotilla reseal --hub", () => {
  it("re-encrypts only the entries whose cluster's key changed on the hub", async () => {
    const before = parse(await readFile(at("api.fleet.yaml"), "utf8")) as FleetSealedSecretManifest;
    const oldEu = sealingKeys.get("prod-eu")!;
    await writeFile(at("prod-eu-old.pem"), oldEu.privateKeyPem, { mode: 0o600 });

    // Nothing changed yet: no keys needed, the file is not rewritten.
    const { ino, mtimeMs } = await stat(at("api.fleet.yaml"));
    const noop = await flotilla(["reseal", "--hub", hubUrl, at("api.fleet.yaml")]);
    expect(noop.code).toBe(0);
    expect(await stat(at("api.fleet.yaml"))).toMatchObject({ ino, mtimeMs });
    expect(noop.stderr).toContain("  prod-eu: already current\n  prod-us: already current\n");
    expect(noop.stderr).toContain("nothing to re-seal: 1 file(s) already current\n");

    // prod-eu's spoke rotates its sealing key and says hello with the new certificate.
    const newEu = await newSealingKey();
    await hello("prod-eu", newEu);

    const noKeys = await flotilla(["reseal", "--hub", hubUrl, at("api.fleet.yaml")]);
    expectUserError(noKeys, "INVALID_FLAG");
    expect(noKeys.stderr).toContain("--recovery-private-key");

    const res = await flotilla(["reseal", "--hub", hubUrl, "--recovery-private-key", at("prod-eu-old.pem"), at("api.fleet.yaml")]);
    expect(res.code).toBe(0);
    expect(res.stderr).toContain(`${at("api.fleet.yaml")}: FleetSealedSecret payments/api\n`);
    expect(res.stderr).toContain(`  prod-eu: ${oldEu.fingerprint} -> ${newEu.fingerprint}\n`);
    expect(res.stderr).toContain("  prod-us: already current\n");
    expect(res.stderr).toContain(`re-sealed 1 file(s) to ${newEu.fingerprint}\n`);

    const after = parse(await readFile(at("api.fleet.yaml"), "utf8")) as FleetSealedSecretManifest;
    expect(after.spec.clusters.map((c) => [c.cluster, c.keyFingerprint])).toEqual([
      ["prod-eu", newEu.fingerprint],
      ["prod-us", sealingKeys.get("prod-us")!.fingerprint],
    ]);
    // prod-us's entry is untouched, byte for byte; prod-eu's opens with the new key only.
    expect(after.spec.clusters[1]).toEqual(before.spec.clusters[1]);
    expect(after.spec.clusters[0].encryptedData).not.toEqual(before.spec.clusters[0].encryptedData);
    expect(password(unsealFleetSealedSecret(after, "prod-eu", createKeyRing([newEu.key])))).toBe(PLAINTEXT);
    expect(codeOf(() => unsealFleetSealedSecret(after, "prod-eu", createKeyRing([oldEu.key])))).toBe(SEALED_ERROR.noKeyCouldDecrypt);
    expect(password(unsealFleetSealedSecret(after, "prod-us", ring("prod-us")))).toBe(PLAINTEXT);
  });

  it("keeps the --cert CLUSTER=FILE path, and re-seals a plain SealedSecret to --cluster's current key", async () => {
    const plain = await flotilla(["seal", "--hub", hubUrl, "--cluster", "prod-us", "-o", "yaml", "-w", at("plain.yaml")], { input: SECRET });
    expect(plain.code).toBe(0);
    const oldUs = sealingKeys.get("prod-us")!;
    await writeFile(at("prod-us-old.pem"), oldUs.privateKeyPem, { mode: 0o600 });
    const newUs = await newSealingKey();
    await writeFile(at("prod-us-new.crt"), newUs.certificatePem);

    // The file-based path: only the named entry, to the given certificate (the hub is not asked).
    const byFile = await flotilla(["reseal", "--cert", `prod-us=${at("prod-us-new.crt")}`, "--recovery-private-key", at("prod-us-old.pem"), at("api.fleet.yaml")]);
    expect(byFile.code).toBe(0);
    expect(byFile.stderr).toContain(`  prod-us: ${oldUs.fingerprint} -> ${newUs.fingerprint}\n`);
    expect(byFile.stderr).not.toContain("prod-eu");
    const fss = parse(await readFile(at("api.fleet.yaml"), "utf8")) as FleetSealedSecretManifest;
    expect(password(unsealFleetSealedSecret(fss, "prod-us", createKeyRing([newUs.key])))).toBe(PLAINTEXT);

    await hello("prod-us", newUs);
    const viaHub = await flotilla(["reseal", "--hub", hubUrl, "--cluster", "prod-us", "--recovery-private-key", at("prod-us-old.pem"), at("plain.yaml")]);
    expect(viaHub.code).toBe(0);
    expect(viaHub.stderr).toContain(`  prod-us: ${oldUs.fingerprint} -> ${newUs.fingerprint}\n`);
    const sealed = parse(await readFile(at("plain.yaml"), "utf8")) as SealedSecretManifest;
    expect(password(unsealSealedSecret(sealed, createKeyRing([newUs.key])))).toBe(PLAINTEXT);
  });

  it("never prints the plaintext or a stack trace", async () => {
    expect(results.length).toBeGreaterThan(10);
    for (const r of results) {
      expect(r.stdout).not.toContain(PLAINTEXT);
      expect(r.stderr).not.toContain(PLAINTEXT);
      expect(r.stderr).not.toContain(Buffer.from(PLAINTEXT).toString("base64"));
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stderr).not.toContain("INTERNAL");
    }
    const files = await Promise.all(["api.fleet.yaml", "plain.yaml"].map((f) => readFile(at(f), "utf8")));
    for (const text of files) expect(text).not.toContain(PLAINTEXT);
  });
});
