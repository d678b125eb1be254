import { createHash } from "node:crypto";
import type { SecretManifest } from "./manifests.js";
import type { SealingPrivateKey } from "./open-key-ring.js";
import { keysFromObjects, parsePrivateKeys, SEALING_KEY_LABEL } from "./open-private-keys.js";
import { SEALED_ERROR, SealedSecretsError } from "./sealed-errors.js";

export interface SealingKeySecretOptions {
  /** The controller's namespace (kube-system by default, like the controller). */
  readonly namespace?: string;
  /** The controller's key prefix (default `sealed-secrets-key`). */
  readonly prefix?: string;
  /** Use `generateName: PREFIX` (the API server picks the suffix, like the controller; `kubectl create` only). */
  readonly generateName?: boolean;
  /** An explicit name. Default: PREFIX + five characters derived from the fingerprint, so `kubectl apply` is idempotent. */
  readonly name?: string;
  /** RFC 3339 creation time to record (the controller's key order can use it). */
  readonly creationTimestamp?: string;
}

/** The key as the controller stores it: a `kubernetes.io/tls` Secret with PKCS#1 `tls.key`, labelled active. */
export function sealingKeySecret(key: SealingPrivateKey, options: SealingKeySecretOptions = {}): SecretManifest {
  if (key.certificatePem === undefined) {
    throw new SealedSecretsError(SEALED_ERROR.invalidCertificate, `key ${key.fingerprint} has no certificate; a key Secret needs tls.crt`);
  }
  const keyPem = key.privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  const metadata: SecretManifest["metadata"] = {};
  const prefix = options.prefix ?? "sealed-secrets-key";
  if (options.name !== undefined) metadata.name = options.name;
  else if (options.generateName === true) metadata.generateName = prefix;
  else metadata.name = `${prefix}${nameSuffix(key.fingerprint)}`;
  metadata.namespace = options.namespace ?? "kube-system";
  if (options.creationTimestamp !== undefined) metadata.creationTimestamp = options.creationTimestamp;
  metadata.labels = { [SEALING_KEY_LABEL]: "active" };
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata,
    type: "kubernetes.io/tls",
    data: {
      "tls.crt": Buffer.from(ensureNewline(key.certificatePem)).toString("base64"),
      "tls.key": Buffer.from(keyPem).toString("base64"),
    },
  };
}

/** A `kind: List` of key Secrets, the shape `kubectl get secret -l sealedsecrets.bitnami.com/sealed-secrets-key -o yaml` gives. */
export function sealingKeyList(keys: readonly SealingPrivateKey[], options: SealingKeySecretOptions = {}): { apiVersion: "v1"; kind: "List"; items: SecretManifest[]; metadata: { resourceVersion: string } } {
  return { apiVersion: "v1", kind: "List", items: keys.map((k) => sealingKeySecret(k, options)), metadata: { resourceVersion: "" } };
}

/** Reads key Secrets (one, several documents, or a List); keys whose label is not `active` are skipped, like the controller. */
export function parseSealingKeySecrets(input: string | readonly unknown[], options: { readonly file?: string } = {}): SealingPrivateKey[] {
  return typeof input === "string" ? parsePrivateKeys(input, { ...options, onlyActive: true }) : keysFromObjects(input, { ...options, onlyActive: true });
}

/** Five characters of [a-z0-9] from the fingerprint, like the API server's generateName suffix. */
function nameSuffix(fingerprint: string): string {
  const alphabet = "bcdfghjklmnpqrstvwxz2456789";
  const digest = createHash("sha256").update(fingerprint).digest();
  return Array.from(digest.subarray(0, 5), (b) => alphabet[b % alphabet.length]).join("");
}

function ensureNewline(text: string): string {
  return text.endsWith("\n") ? text : `${text}\n`;
}
