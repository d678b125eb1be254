import type { KMSClient } from "@aws-sdk/client-kms";
import type { KmsClient, KmsClientFactory, KmsKeyLocation } from "./key-ring.js";

export interface AwsKmsClientOptions {
  /** A KMS-compatible endpoint (tests, LocalStack, VPC endpoints). */
  readonly endpoint?: string | undefined;
  /** The STS endpoint used to assume a key's role (defaults to the AWS one). */
  readonly stsEndpoint?: string | undefined;
  /** Overrides the region taken from the key ARN. */
  readonly region?: string | undefined;
  /** Static credentials; otherwise the SDK's default provider chain (env, profile, IRSA…). */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string } | undefined;
}

/**
 * The production KMS client: AWS SDK v3 Encrypt/Decrypt with the key's encryption context. A key
 * with a role (`ARN+arn:aws:iam::…:role/…`) is used through STS AssumeRole, and a key with
 * `aws_profile` through that profile, as sops does. This is the one place crypto/sops talks to a
 * network, and only when a caller injects it into the key ring. The SDK loads on first use.
 */
export function awsKmsClientFactory(opts: AwsKmsClientOptions = {}): KmsClientFactory {
  const clients = new Map<string, KMSClient>();
  const sdkFor = async (region: string, loc: KmsKeyLocation) => {
    const sdk = await import("@aws-sdk/client-kms");
    const id = `${region}|${loc.awsProfile ?? ""}|${loc.role ?? ""}`;
    let client = clients.get(id);
    if (client === undefined) {
      const providers = await import("@aws-sdk/credential-providers");
      const base =
        opts.credentials !== undefined
          ? { ...opts.credentials }
          : loc.awsProfile !== undefined && loc.awsProfile !== ""
            ? providers.fromIni({ profile: loc.awsProfile })
            : undefined;
      const credentials =
        loc.role !== undefined && loc.role !== ""
          ? providers.fromTemporaryCredentials({
              params: { RoleArn: loc.role, RoleSessionName: "sops@flotilla" },
              ...(base === undefined ? {} : { masterCredentials: base }),
              clientConfig: { region, ...(opts.stsEndpoint === undefined ? {} : { endpoint: opts.stsEndpoint }) },
            })
          : base;
      client = new sdk.KMSClient({
        region,
        ...(opts.endpoint === undefined ? {} : { endpoint: opts.endpoint }),
        ...(credentials === undefined ? {} : { credentials }),
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
        const { sdk, client } = await sdkFor(region, loc);
        const out = await client.send(new sdk.EncryptCommand({ KeyId: keyId, Plaintext: plaintext, EncryptionContext: context ? { ...context } : undefined }));
        if (out.CiphertextBlob === undefined) throw new Error("KMS returned no ciphertext");
        return out.CiphertextBlob;
      },
      async decrypt({ keyId, ciphertext, context }) {
        const { sdk, client } = await sdkFor(region, loc);
        const out = await client.send(new sdk.DecryptCommand({ KeyId: keyId, CiphertextBlob: ciphertext, EncryptionContext: context ? { ...context } : undefined }));
        if (out.Plaintext === undefined) throw new Error("KMS returned no plaintext");
        return out.Plaintext;
      },
    };
  };
}
