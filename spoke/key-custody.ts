import { errorMessage, silentLogger, type Clock, type Logger, type RandomSource } from "../core/index.js";
import {
  backupKeys,
  createKeyRing,
  generateSealingKey,
  keysFromObjects,
  SEALING_KEY_LABEL,
  type GeneratedSealingKey,
  sealingKeySecret,
  SopsResolvedKeyRing,
  type KeyRing,
  type SealingPrivateKey,
} from "../crypto/open.js";
import type { KubeClient, KubeObject } from "../kube/index.js";
import { generateSigningKey, loadSigningKey, type SigningKey } from "../protocol/index.js";
import type { DecryptionKeys } from "./secret-decryptor.js";
import { SPOKE_ERROR, SpokeError } from "./spoke-errors.js";

export interface KeyCustodyOptions {
  readonly client: KubeClient;
  /** The spoke's namespace: key Secrets live here, like the controller's in kube-system. */
  readonly namespace: string;
  /**
   * Where the sealing key Secrets are (the controller's `--key-namespace`; `kube-system` for a cluster
   * moved from a controller install). Default: the spoke's namespace.
   */
  readonly sealingKeyNamespace?: string | undefined;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly logger?: Logger;
  /** RSA modulus; the controller's default is 4096. */
  readonly keyBits?: number;
  /** Generate a new active key when the newest is older than this (controller: 30 days); 0 disables. */
  readonly rotateEveryMs?: number;
  /** Secret holding SOPS keys (`*.agekey`, `*.asc`, `identity.*` ssh keys), like Flux's decryption secretRef. */
  readonly sopsSecretName?: string;
  /** Secret holding the spoke's ed25519 status key. */
  readonly identitySecretName?: string;
  /** Called for every RSA private-key operation (metrics; the warm-resync check). */
  readonly onPrivateOperation?: () => void;
}

const THIRTY_DAYS = 30 * 24 * 3600 * 1000;

function secretsVersion(secrets: readonly KubeObject[]): string {
  return secrets
    .map((s) => `${s.metadata.name ?? ""}@${s.metadata.resourceVersion ?? ""}`)
    .sort()
    .join(",");
}

function randomSuffix(random: RandomSource): string {
  const alphabet = "bcdfghjklmnpqrstvwxz2456789";
  return [...random(5)].map((b) => alphabet[b % alphabet.length]).join("");
}

/**
 * The spoke's private keys, kept in its own namespace and never sent anywhere:
 * - sealing keys as controller-compatible `kubernetes.io/tls` Secrets labelled
 *   `sealedsecrets.bitnami.com/sealed-secrets-key=active` (a cluster moving from the controller keeps
 *   its keys, and back);
 * - SOPS age/PGP/ssh keys from a Secret;
 * - the ed25519 key that signs status reports.
 */
export class KeyCustody {
  readonly #o: KeyCustodyOptions;
  readonly #logger: Logger;
  #ring: KeyRing | undefined;
  #sops: SopsResolvedKeyRing | undefined;
  #sopsVersion = "";
  #ringVersion = "";
  /** Names and resourceVersions of the key Secrets the ring was built from. */
  #secretsVersion: string | undefined;

  constructor(options: KeyCustodyOptions) {
    this.#o = options;
    this.#logger = options.logger ?? silentLogger();
  }

  #namespaceReady = false;

  get #keyNamespace(): string {
    return this.#o.sealingKeyNamespace ?? this.#o.namespace;
  }

  /** The spoke's namespace, created when missing: a blank cluster rebuilt by `flotilla bootstrap` has none yet. */
  async #ensureNamespace(): Promise<void> {
    if (this.#namespaceReady) return;
    for (const name of new Set([this.#o.namespace, this.#keyNamespace])) {
      const ref = { apiVersion: "v1", kind: "Namespace", name };
      if ((await this.#o.client.get(ref)) === undefined) {
        await this.#o.client.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name } }, { force: true });
        this.#logger.info({ namespace: name }, "created the spoke's namespace");
      }
    }
    this.#namespaceReady = true;
  }

  async #keySecrets(): Promise<KubeObject[]> {
    const { items } = await this.#o.client.list({ apiVersion: "v1", kind: "Secret", namespace: this.#keyNamespace, labelSelector: `${SEALING_KEY_LABEL}=active` });
    return items;
  }

  #setRing(keys: SealingPrivateKey[], secrets: readonly KubeObject[]): KeyRing {
    const ring = createKeyRing(keys, { onPrivateOperation: () => this.#o.onPrivateOperation?.() });
    this.#ring = ring;
    this.#ringVersion = ring.keys.map((k) => k.fingerprint).join(",");
    this.#secretsVersion = secretsVersion(secrets);
    return ring;
  }

  #wrap(err: unknown): SpokeError {
    if (err instanceof SpokeError) return err;
    return new SpokeError(SPOKE_ERROR.keys, `sealing keys: ${errorMessage(err)}`, { cause: err });
  }

  /** Loads the active keys; creates the first one when there is none, and a new one when the newest is due for rotation. */
  async ensureSealingKeys(): Promise<KeyRing> {
    try {
      await this.#ensureNamespace();
      let secrets = await this.#keySecrets();
      let keys = secrets.length === 0 ? [] : keysFromObjects(secrets, { onlyActive: true });
      const newest = keys.reduce<number | undefined>((m, k) => (k.notBefore === undefined ? m : Math.max(m ?? 0, k.notBefore)), undefined);
      const rotate = this.#o.rotateEveryMs ?? THIRTY_DAYS;
      const due = keys.length === 0 || (rotate > 0 && newest !== undefined && this.#o.clock.now() - newest >= rotate);
      if (due) {
        const generated = await this.#generate();
        this.#logger.info({ fingerprint: generated.fingerprint, rotation: keys.length > 0 }, "generated a sealing key");
        secrets = await this.#keySecrets();
        keys = keysFromObjects(secrets, { onlyActive: true });
      }
      return this.#setRing(keys, secrets);
    } catch (err) {
      throw this.#wrap(err);
    }
  }

  /** A new key, stored as a new key Secret (the shape the controller writes). */
  async #generate(): Promise<GeneratedSealingKey> {
    const generated = await generateSealingKey({ clock: this.#o.clock, random: this.#o.random, bits: this.#o.keyBits ?? 4096 });
    await this.storeKeys([generated.key]);
    return generated;
  }

  /**
   * In-cluster rotation (`flotilla keys rotate --kubeconfig`): a new key Secret beside the others.
   * Like the controller, the older keys stay and keep opening; the newest seals. A running spoke
   * picks the new key up on its next `refresh()`. Refuses a namespace without keys (a wrong `-n`).
   */
  async rotate(): Promise<{ readonly generated: GeneratedSealingKey; readonly kept: number }> {
    try {
      const secrets = await this.#keySecrets();
      if (secrets.length === 0) {
        throw new SpokeError(SPOKE_ERROR.keys, `no sealing key Secret in namespace ${this.#keyNamespace}; is it the spoke's namespace? (a spoke creates its first key itself)`, {
          field: "--namespace",
          userError: true,
        });
      }
      const kept = keysFromObjects(secrets, { onlyActive: true }).length;
      const generated = await this.#generate();
      this.#logger.info({ fingerprint: generated.fingerprint, kept }, "rotated the sealing key");
      return { generated, kept };
    } catch (err) {
      throw this.#wrap(err);
    }
  }

  /**
   * Re-lists the key Secrets and rebuilds the ring only when their set (name and resourceVersion)
   * changed: a key added by `flotilla keys rotate` or restored with kubectl is used without a restart.
   * When the sealing key is due for rotation, a new one is generated first (so a long-running spoke
   * rotates like the controller). Returns true when the active (sealing) certificate changed. With
   * no key Secret left, the ring in memory is kept (a restart would create a new key).
   */
  async refresh(): Promise<boolean> {
    try {
      if (this.#rotationDue()) {
        const generated = await this.#generate();
        this.#logger.info({ fingerprint: generated.fingerprint, rotation: true }, "generated a sealing key");
      }
      const secrets = await this.#keySecrets();
      if (this.#ring !== undefined && secretsVersion(secrets) === this.#secretsVersion) return false;
      if (secrets.length === 0) {
        if (this.#ring !== undefined) {
          this.#logger.warn({ namespace: this.#keyNamespace }, "every sealing key Secret is gone; keeping the keys in memory");
          this.#secretsVersion = secretsVersion(secrets);
          return false;
        }
        await this.ensureSealingKeys();
        return true;
      }
      const before = this.#ring?.sealingKey.fingerprint;
      const ring = this.#setRing(keysFromObjects(secrets, { onlyActive: true }), secrets);
      this.#logger.info({ keys: ring.keys.length, sealingKey: ring.sealingKey.fingerprint }, "sealing keys reloaded");
      return ring.sealingKey.fingerprint !== before;
    } catch (err) {
      throw this.#wrap(err);
    }
  }

  /** The loaded sealing key is older than the rotation period (the controller renews every 30 days). */
  #rotationDue(): boolean {
    const rotate = this.#o.rotateEveryMs ?? THIRTY_DAYS;
    const newest = this.#ring?.sealingKey.notBefore;
    return rotate > 0 && newest !== undefined && this.#o.clock.now() - newest >= rotate;
  }

  /** The fingerprints of the loaded keys, newest first ("" before the first load); changes with the key set. */
  get keysVersion(): string {
    return this.#ringVersion;
  }

  /** Writes key Secrets (restored from a backup or freshly generated); existing fingerprints are skipped. Returns how many were written. */
  async storeKeys(keys: readonly SealingPrivateKey[]): Promise<number> {
    await this.#ensureNamespace();
    const current = await this.#keySecrets();
    const existing = current.length === 0 ? [] : keysFromObjects(current, { onlyActive: true });
    const have = new Set(existing.map((k) => k.fingerprint));
    let written = 0;
    for (const key of keys) {
      if (have.has(key.fingerprint)) continue;
      written++;
      const secret = sealingKeySecret(key, {
        namespace: this.#keyNamespace,
        name: `sealed-secrets-key${randomSuffix(this.#o.random)}`,
      }) as unknown as KubeObject;
      await this.#o.client.create(secret);
    }
    return written;
  }

  /** The current ring, loading it when needed. */
  async sealingRing(): Promise<KeyRing> {
    return this.#ring ?? this.ensureSealingKeys();
  }

  /** The active sealing certificate (PEM), published in Hello so `flotilla seal` can target this cluster. */
  async sealingCertificate(): Promise<string | undefined> {
    return (await this.sealingRing()).sealingKey.certificatePem;
  }

  /** An age-encrypted, armored backup of every key, for the recovery recipients; the plaintext never leaves. */
  async backup(recipients: readonly string[]): Promise<string> {
    const ring = await this.sealingRing();
    return backupKeys(ring.keys, recipients, { namespace: this.#keyNamespace });
  }

  /** SOPS keys from the SOPS Secret; undefined when there is none. Re-read each call (cheap: one GET). */
  async loadSopsKeys(): Promise<SopsResolvedKeyRing | undefined> {
    const name = this.#o.sopsSecretName ?? "flotilla-sops-keys";
    const secret = await this.#o.client.get({ apiVersion: "v1", kind: "Secret", namespace: this.#o.namespace, name });
    const data = (secret?.data ?? {}) as Record<string, string>;
    const version = secret?.metadata.resourceVersion ?? "";
    if (version === this.#sopsVersion && this.#sops !== undefined) return this.#sops;
    const age: string[] = [];
    const pgp: string[] = [];
    const ssh: string[] = [];
    for (const [key, b64] of Object.entries(data)) {
      const text = Buffer.from(b64, "base64").toString("utf8");
      if (key.endsWith(".agekey")) age.push(text);
      else if (key.endsWith(".asc")) pgp.push(text);
      else if (key.startsWith("identity")) ssh.push(text);
    }
    if (age.length + pgp.length + ssh.length === 0) {
      this.#sops = undefined;
      this.#sopsVersion = version;
      return undefined;
    }
    try {
      this.#sops = await SopsResolvedKeyRing.from({ ageIdentities: age, pgpKeys: pgp, sshPrivateKeys: ssh });
    } catch (err) {
      throw new SpokeError(SPOKE_ERROR.keys, `SOPS keys in Secret ${this.#o.namespace}/${name}: ${(err as { code?: string }).code ?? "invalid"}`, { field: name, cause: err });
    }
    this.#sopsVersion = version;
    return this.#sops;
  }

  /** Both rings plus a version string that changes when either changes. */
  async decryptionKeys(): Promise<DecryptionKeys> {
    const sops = await this.loadSopsKeys();
    const sealing = await this.sealingRing();
    return { sealing, sops, version: `${this.#ringVersion}|${this.#sopsVersion}` };
  }

  /** The spoke's status-signing key; generated and stored on first start. */
  async statusKey(): Promise<SigningKey> {
    const name = this.#o.identitySecretName ?? "flotilla-spoke-identity";
    const ref = { apiVersion: "v1", kind: "Secret", namespace: this.#o.namespace, name };
    const secret = await this.#o.client.get(ref);
    const pem = (secret?.data as Record<string, string> | undefined)?.["status.key"];
    if (pem !== undefined) return loadSigningKey(Buffer.from(pem, "base64").toString("utf8"), `${this.#o.namespace}/${name}`);
    const key = generateSigningKey();
    await this.#o.client.apply(
      { apiVersion: "v1", kind: "Secret", metadata: { name, namespace: this.#o.namespace }, type: "Opaque", data: { "status.key": Buffer.from(key.privateKeyPem).toString("base64") } },
      { force: true },
    );
    return key;
  }

  /** RSA private operations done so far by the current ring. */
  get privateOperations(): number {
    return this.#ring?.privateOperations ?? 0;
  }
}
