import { DecryptCommand, EncryptCommand, KMSClient } from "@aws-sdk/client-kms";
import type { KmsClient, KmsClientFactory, KmsKeyLocation } from "./key-ring.js";

export interface AwsKmsClientOptions {
  /** A KMS-compatible endpoint (tests, LocalStack, VPC endpoints). */
  readonly endpoint?: string | undefined;
  /** Overrides the region taken from the key ARN. */
  readonly region?: string | undefined;
  /** Static credentials; otherwise the SDK's default provider chain (env, profile, IRSA…). */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string } | undefined;
}

/**
 * The production KMS client: AWS SDK v3 Encrypt/Decrypt with the key's encryption context. This
 * is the one place crypto/sops talks to a network, and only when a caller injects it into the
 * key ring. Role assumption (`+arn:aws:iam::…:role/…`) is left to the SDK's credential chain.
 */
export function awsKmsClientFactory(opts: AwsKmsClientOptions = {}): KmsClientFactory {
  const clients = new Map<string, KMSClient>();
  return (loc: KmsKeyLocation): KmsClient => {
    const region = opts.region ?? loc.region;
    const id = `${region}|${loc.awsProfile ?? ""}`;
    let sdk = clients.get(id);
    if (sdk === undefined) {
      sdk = new KMSClient({
        region,
        ...(opts.endpoint === undefined ? {} : { endpoint: opts.endpoint }),
        ...(opts.credentials === undefined ? {} : { credentials: { ...opts.credentials } }),
        maxAttempts: 2,
      });
      clients.set(id, sdk);
    }
    const client = sdk;
    return {
      async encrypt({ keyId, plaintext, context }) {
        const out = await client.send(new EncryptCommand({ KeyId: keyId, Plaintext: plaintext, EncryptionContext: context ? { ...context } : undefined }));
        if (out.CiphertextBlob === undefined) throw new Error("KMS returned no ciphertext");
        return out.CiphertextBlob;
      },
      async decrypt({ keyId, ciphertext, context }) {
        const out = await client.send(new DecryptCommand({ KeyId: keyId, CiphertextBlob: ciphertext, EncryptionContext: context ? { ...context } : undefined }));
        if (out.Plaintext === undefined) throw new Error("KMS returned no plaintext");
        return out.Plaintext;
      },
    };
  };
}
