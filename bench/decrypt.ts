/**
 * decrypt: RSA-OAEP-SHA256 unwraps of Sealed Secrets session keys with the fixture RSA-4096 key,
 * through KeyRing (node:crypto KeyObjects, unwrap cache off), on one core. Baseline, measured in
 * the same process: node-forge's RSA-OAEP on a sample of the same ciphertexts. Also shows that a
 * warm resync (the same SealedSecret opened again with the cache on) does 0 RSA operations.
 * Target: ≥ 250 unwraps/s/core.
 *
 * Run: npm run build && node dist/bench/decrypt.js [unwraps]
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import forge from "node-forge";
import { createKeyRing, parsePrivateKeys, unsealSealedSecret } from "../crypto/open.js";
import { decodeSealedValue, parseManifests, parseSealingCertificate, sealRawValue, splitHybrid, type SealedSecretManifest } from "../crypto/seal.js";
import { fixturePath } from "../test/harness/fixtures.js";

const UNWRAPS = Number(process.argv[2] ?? 300);
const FORGE_SAMPLE = 5;
const read = (name: string): string => readFileSync(fixturePath("sealed-secrets", name), "utf8");
const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n));

const keyPem = read("key-a.pem");
const certificate = parseSealingCertificate(read("cert-a.pem"));
const blocks = Array.from({ length: UNWRAPS }, (_, i) => {
  const value = sealRawValue({ certificate, random, scope: "strict", namespace: "bench", name: `s${i}`, value: Buffer.from("v") });
  return { rsa: splitHybrid(decodeSealedValue(value)).rsaCiphertext, label: `bench/s${i}` };
});

const ring = createKeyRing(parsePrivateKeys(keyPem), { unwrapCacheSize: 0 });
const started = performance.now();
const cpuStarted = process.cpuUsage();
for (const block of blocks) if (ring.unwrap(block.rsa, block.label) === null) throw new Error("unwrap failed");
const nodeSeconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuStarted);
// CPU seconds of this (single-threaded) process: the per-core rate even on a busy machine.
const nodeCpuSeconds = (cpu.user + cpu.system) / 1e6;
const nodeRate = UNWRAPS / nodeSeconds;

const forgeKey = forge.pki.privateKeyFromPem(keyPem);
const forgeStarted = performance.now();
const forgeCpuStarted = process.cpuUsage();
for (const block of blocks.slice(0, FORGE_SAMPLE)) {
  forgeKey.decrypt(Buffer.from(block.rsa).toString("binary"), "RSA-OAEP", {
    md: forge.md.sha256.create(),
    mgf1: { md: forge.md.sha256.create() },
    label: block.label,
  });
}
const forgeRate = FORGE_SAMPLE / ((performance.now() - forgeStarted) / 1000);
const forgeCpu = process.cpuUsage(forgeCpuStarted);
const forgeCpuRate = FORGE_SAMPLE / ((forgeCpu.user + forgeCpu.system) / 1e6);

const warmRing = createKeyRing(parsePrivateKeys(keyPem));
const sealed = parseManifests(read("strict.sealedsecret.yaml"))[0] as unknown as SealedSecretManifest;
unsealSealedSecret(sealed, warmRing);
const cold = warmRing.privateOperations;
unsealSealedSecret(sealed, warmRing);
const warm = warmRing.privateOperations - cold;

const nodeCpuRate = UNWRAPS / nodeCpuSeconds;
console.log(
  `decrypt: ${nodeCpuRate.toFixed(0)} unwraps per CPU-second (one core) with node:crypto; ${nodeRate.toFixed(0)}/s wall (${UNWRAPS} RSA-4096 OAEP unwraps in ${nodeSeconds.toFixed(2)} s); target >= 250/s/core`,
);
console.log(
  `decrypt: baseline node-forge ${forgeCpuRate.toFixed(1)} per CPU-second, ${forgeRate.toFixed(1)}/s wall (${FORGE_SAMPLE} sampled); ratio ${(nodeCpuRate / forgeCpuRate).toFixed(1)}x CPU, ${(nodeRate / forgeRate).toFixed(1)}x wall`,
);
console.log(`decrypt: cold open of strict.sealedsecret.yaml = ${cold} RSA ops, warm resync = ${warm} RSA ops (target 0)`);
