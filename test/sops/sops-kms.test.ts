import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decryptSopsText } from "../../crypto/open.js";
import { awsKmsClientFactory, encryptSopsText } from "../../crypto/sops/index.js";
import { startFakeKms, type FakeKms } from "./kms-server.js";

let kms: FakeKms;
beforeAll(async () => {
  kms = await startFakeKms();
});
afterAll(async () => {
  await kms.stop();
});

const credentials = { accessKeyId: "AKIDTEST", secretAccessKey: "test-secret" };
const random = (n: number): Uint8Array => randomBytes(n);
const clock = { now: () => Date.parse("2026-11-23T10:00:00Z") };

describe("AWS KMS key source through @aws-sdk/client-kms against a local KMS endpoint", () => {
  it("wraps and unwraps the data key with the encryption context", async () => {
    const factory = awsKmsClientFactory({ endpoint: kms.url, credentials });
    const context = { app: "flotilla", env: "test" };
    const enc = await encryptSopsText("password: kms-protected-secret\n", {
      format: "yaml",
      keyGroups: [[{ type: "kms", arn: kms.keyArn, context }]],
      keys: { kms: factory },
      random,
      clock,
    });
    expect(enc).toContain(`arn: ${kms.keyArn}`);
    expect(enc).toMatch(/context:\n\s+app: flotilla\n\s+env: test/);
    expect(enc).toMatch(/created_at: "2026-11-23T10:00:00Z"/);
    expect(enc).not.toContain("kms-protected-secret");
    const dec = await decryptSopsText(enc, { format: "yaml", keys: { kms: factory } });
    expect(dec.data).toEqual({ password: "kms-protected-secret" });
    expect(kms.calls.map((c) => c.op)).toEqual(["Encrypt", "Decrypt"]);
    expect(kms.calls[1]?.context).toEqual(context);
  });

  it("a wrong encryption context is refused by KMS and reported without plaintext", async () => {
    const factory = awsKmsClientFactory({ endpoint: kms.url, credentials });
    const enc = await encryptSopsText("password: kms-protected-secret\n", {
      format: "yaml",
      keyGroups: [[{ type: "kms", arn: kms.keyArn, context: { app: "a" } }]],
      keys: { kms: factory },
      random,
      clock,
    });
    const tampered = enc.replace("app: a", "app: b");
    const err = await decryptSopsText(tampered, { format: "yaml", keys: { kms: factory }, file: "kms.yaml" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "SOPS_NO_KEY_COULD_DECRYPT", file: "kms.yaml" });
    expect((err as Error).message).toContain("InvalidCiphertextException");
    expect((err as Error).message).not.toContain("kms-protected-secret");
  });

  it("a key with a role is used through STS AssumeRole, as sops does", async () => {
    const factory = awsKmsClientFactory({ endpoint: kms.url, stsEndpoint: kms.url, credentials });
    const role = "arn:aws:iam::111122223333:role/sops-decrypt";
    const enc = await encryptSopsText("password: role-protected\n", {
      format: "yaml",
      keyGroups: [[{ type: "kms", arn: kms.keyArn, role }]],
      keys: { kms: factory },
      random,
      clock,
    });
    expect(enc).toContain(`role: ${role}`);
    const dec = await decryptSopsText(enc, { format: "yaml", keys: { kms: awsKmsClientFactory({ endpoint: kms.url, stsEndpoint: kms.url, credentials }) } });
    expect(dec.data).toEqual({ password: "role-protected" });
    expect(kms.assumedRoles).toEqual([role, role]);
    expect(kms.calls.slice(-2).map((c) => c.accessKeyId)).toEqual(["ASIAASSUMEDROLE", "ASIAASSUMEDROLE"]);
    expect(kms.calls[0]?.accessKeyId).toBe("AKIDTEST");
  });
});
