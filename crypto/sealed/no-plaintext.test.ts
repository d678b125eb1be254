import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { Writable } from "node:stream";
import { generateIdentity, identityToRecipient } from "age-encryption";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../core/index.js";
import { fixturePath } from "../../test/harness/fixtures.js";
import { parseSealingCertificate } from "./certificate.js";
import { sealFleetSecret } from "./fleet-sealed-secret.js";
import { decodeSealedValue, encodeSealedValue } from "./hybrid-format.js";
import type { SealedSecretManifest } from "./manifests.js";
import { recoverFleetSealedSecret, unsealFleetSealedSecret } from "./open-fleet-sealed-secret.js";
import { createKeyRing } from "./open-key-ring.js";
import { parsePrivateKeys } from "./open-private-keys.js";
import { resealSealedSecret } from "./open-reseal.js";
import { unsealSealedSecret } from "./open-unseal.js";
import { sealSecret } from "./seal-secret.js";

const read = (name: string): string => readFileSync(fixturePath("sealed-secrets", name), "utf8");
const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n));
const PLAINTEXT = "known-plaintext-canary-55XQ";
const certA = parseSealingCertificate(read("cert-a.pem"));
const certB = parseSealingCertificate(read("cert-b.pem"));
const keyA = parsePrivateKeys(read("key-a.pem"));
const keyB = parsePrivateKeys(read("key-b.pem"));

function errorText(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  while (e instanceof Error) {
    parts.push(e.message, String(e), JSON.stringify(e), e.stack ?? "");
    e = e.cause;
  }
  return parts.join("\n");
}

async function failureOf(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected a failure");
}

describe("no plaintext in errors or logs", () => {
  it("keeps a known plaintext out of every failure path and the log records of those failures", async () => {
    const secret = { apiVersion: "v1" as const, kind: "Secret" as const, metadata: { name: "canary", namespace: "ns" }, stringData: { password: PLAINTEXT, dsnbase: PLAINTEXT } };
    const sealed = sealSecret(secret, { certificate: certA, random });
    const withTemplate = (data: Record<string, string>): SealedSecretManifest => ({ ...sealed, spec: { ...sealed.spec, template: { ...sealed.spec.template, data } } });
    const bytes = decodeSealedValue(sealed.spec.encryptedData.password);
    const tampered = Uint8Array.from(bytes);
    tampered[bytes.length - 3] = tampered[bytes.length - 3] ^ 0xff;
    const withValue = (value: string): SealedSecretManifest => ({ ...sealed, spec: { ...sealed.spec, encryptedData: { ...sealed.spec.encryptedData, password: value } } });
    const identity = await generateIdentity();
    const fss = await sealFleetSecret(secret, { targets: [{ cluster: "a", certificate: certA }], random, recoveryRecipient: await identityToRecipient(identity) });
    const failures = await Promise.all([
      failureOf(() => unsealSealedSecret(sealed, createKeyRing(keyB))),
      failureOf(() => unsealSealedSecret({ ...sealed, metadata: { ...sealed.metadata, name: "moved" } }, createKeyRing(keyA))),
      failureOf(() => unsealSealedSecret(withValue(encodeSealedValue(tampered)), createKeyRing(keyA))),
      failureOf(() => unsealSealedSecret(withValue(sealed.spec.encryptedData.password.slice(0, 40)), createKeyRing(keyA))),
      failureOf(() => unsealSealedSecret(withValue(`${PLAINTEXT}!`), createKeyRing(keyA))),
      failureOf(() => unsealSealedSecret(withTemplate({ x: "{{ fail .password }}" }), createKeyRing(keyA))),
      failureOf(() => unsealSealedSecret(withTemplate({ x: "{{ .password | b64enc | fail }}" }), createKeyRing(keyA))),
      failureOf(() => unsealSealedSecret(withTemplate({ x: "{{ required .password .nothing }}" }), createKeyRing(keyA))),
      failureOf(() => unsealSealedSecret(withTemplate({ x: "{{ printf \"%d\" .password }} {{ fail (printf \"%q\" .password) }}" }), createKeyRing(keyA))),
      failureOf(() => resealSealedSecret(sealed, createKeyRing(keyB), { certificate: certB, random })),
      failureOf(() => sealSecret({ ...secret, stringData: undefined, data: { password: PLAINTEXT } }, { certificate: certA, random })),
      failureOf(() => unsealFleetSealedSecret(fss, "b", createKeyRing(keyA))),
      failureOf(async () => recoverFleetSealedSecret(fss, await generateIdentity())),
    ]);
    let logged = "";
    const logger = createLogger({
      level: "debug",
      destination: new Writable({
        write(chunk: Buffer, _enc, cb) {
          logged += chunk.toString();
          cb();
        },
      }),
    });
    for (const err of failures) {
      expect(err).toHaveProperty("code");
      const text = errorText(err);
      expect(text).not.toContain(PLAINTEXT);
      expect(text).not.toContain(Buffer.from(PLAINTEXT).toString("base64"));
      logger.error({ err }, "sealed secret failed");
    }
    await new Promise((r) => setImmediate(r));
    expect(logged.split("\n").filter((l) => l !== "")).toHaveLength(failures.length);
    expect(logged).not.toContain(PLAINTEXT);
    expect(logged).not.toContain(Buffer.from(PLAINTEXT).toString("base64"));
  });
});
