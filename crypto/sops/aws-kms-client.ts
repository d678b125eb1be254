import type { KMSClient } from "@aws-sdk/client-kms";
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
  // The SDK is loaded on first use: most runs never touch KMS, and it is large.
  const sdkFor = async (region: string, profile: string | undefined) => {
    const sdk = await import("@aws-sdk/client-kms");
    const id = `${region}|${profile ?? ""}`;
    let client = clients.get(id);
    if (client === undefined) {
      client = new sdk.KMSClient({
        region,
        ...(opts.endpoint === undefined ? {} : { endpoint: opts.endpoint }),
        ...(opts.credentials === undefined ? {} : { credentials: { ...opts.credentials } }),
        maxAttempts: 2,
      });
      clients.set(id, client);
    }
    return { sdk, client };
  };
  return (loc: KmsKeyLocation): KmsClient => {
    const region = opts.region ?? loc.region;
    return {
      async encrypt({ keyId, plaintext, context }) {
        const { sdk, client } = await sdkFor(region, loc.awsProfile);
        const out = await client.send(new sdk.EncryptCommand({ KeyId: keyId, Plaintext: plaintext, EncryptionContext: context ? { ...context } : undefined }));
        if (out.CiphertextBlob === undefined) throw new Error("KMS returned no ciphertext");
        return out.CiphertextBlob;
      },
      async decrypt({ keyId, ciphertext, context }) {
        const { sdk, client } = await sdkFor(region, loc.awsProfile);
        const out = await client.send(new sdk.DecryptCommand({ KeyId: keyId, CiphertextBlob: ciphertext, EncryptionContext: context ? { ...context } : undefined }));
        if (out.Plaintext === undefined) throw new Error("KMS returned no plaintext");
        return out.Plaintext;
      },
    };
  };
}
