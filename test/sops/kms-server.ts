import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import Fastify, { type FastifyInstance } from "fastify";

/**
 * A KMS-compatible endpoint for tests: the AWS JSON 1.1 protocol's TrentService.Encrypt and
 * TrentService.Decrypt, backed by one throwaway AES-256-GCM key. The encryption context is the
 * AAD, so a wrong context fails the way real KMS does (InvalidCiphertextException).
 */
export interface FakeKms {
  readonly url: string;
  readonly keyArn: string;
  /** Requests seen, by operation (to assert the SDK really went through this endpoint). */
  readonly calls: { op: string; keyId: string; context: Record<string, string>; accessKeyId: string }[];
  /** Roles assumed through the fake STS AssumeRole (same endpoint, form-encoded awsQuery). */
  readonly assumedRoles: string[];
  stop(): Promise<void>;
}

function contextAad(ctx: Record<string, string> | undefined): Buffer {
  return Buffer.from(JSON.stringify(Object.entries(ctx ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))));
}

export async function startFakeKms(): Promise<FakeKms> {
  const key = randomBytes(32);
  const keyArn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
  const calls: FakeKms["calls"] = [];
  const assumedRoles: string[] = [];
  const app: FastifyInstance = Fastify({ logger: false });
  app.addContentTypeParser("application/x-amz-json-1.1", { parseAs: "string" }, (_req, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_req, body, done) => {
    done(null, { form: Object.fromEntries(new URLSearchParams(body as string)) });
  });
  app.post("/", async (req, reply) => {
    const form = (req.body as { form?: Record<string, string> }).form;
    if (form !== undefined) {
      if (form.Action !== "AssumeRole") return reply.code(400).send("unsupported STS action");
      assumedRoles.push(form.RoleArn ?? "");
      reply.header("content-type", "text/xml");
      return `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>ASIAASSUMEDROLE</AccessKeyId><SecretAccessKey>assumed-secret</SecretAccessKey><SessionToken>assumed-token</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser><Arn>${form.RoleArn ?? ""}/s</Arn><AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></AssumeRoleResponse>`;
    }
    const accessKeyId = /Credential=([^/]+)\//.exec(String(req.headers.authorization ?? ""))?.[1] ?? "";
    const target = String(req.headers["x-amz-target"] ?? "");
    const body = req.body as { KeyId?: string; Plaintext?: string; CiphertextBlob?: string; EncryptionContext?: Record<string, string> };
    const fail = (type: string, message: string) =>
      reply.code(400).header("content-type", "application/x-amz-json-1.1").send({ __type: type, message });
    calls.push({ op: target.replace("TrentService.", ""), keyId: body.KeyId ?? "", context: body.EncryptionContext ?? {}, accessKeyId });
    if (body.KeyId !== keyArn) return fail("NotFoundException", "key not found");
    reply.header("content-type", "application/x-amz-json-1.1");
    if (target === "TrentService.Encrypt") {
      const iv = randomBytes(12);
      const c = createCipheriv("aes-256-gcm", key, iv);
      c.setAAD(contextAad(body.EncryptionContext));
      const ct = Buffer.concat([c.update(Buffer.from(body.Plaintext ?? "", "base64")), c.final()]);
      const blob = Buffer.concat([iv, c.getAuthTag(), ct]).toString("base64");
      return { CiphertextBlob: blob, KeyId: keyArn, EncryptionAlgorithm: "SYMMETRIC_DEFAULT" };
    }
    if (target === "TrentService.Decrypt") {
      const blob = Buffer.from(body.CiphertextBlob ?? "", "base64");
      try {
        const d = createDecipheriv("aes-256-gcm", key, blob.subarray(0, 12));
        d.setAAD(contextAad(body.EncryptionContext));
        d.setAuthTag(blob.subarray(12, 28));
        const pt = Buffer.concat([d.update(blob.subarray(28)), d.final()]);
        return { Plaintext: pt.toString("base64"), KeyId: keyArn, EncryptionAlgorithm: "SYMMETRIC_DEFAULT" };
      } catch {
        return fail("InvalidCiphertextException", "");
      }
    }
    return fail("UnknownOperationException", "unknown operation");
  });
  const url = await app.listen({ host: "127.0.0.1", port: 0 });
  return { url, keyArn, calls, assumedRoles, stop: () => app.close() };
}
