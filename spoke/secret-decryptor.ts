import { createHash } from "node:crypto";
import { errorMessage, silentLogger, type Logger } from "../core/index.js";
import {
  decryptSopsObject,
  isSopsEncrypted,
  unsealFleetSealedSecret,
  unsealSealedSecret,
  type KeyRing,
  type SopsResolvedKeyRing,
} from "../crypto/open.js";
import type { FleetSealedSecretManifest, SealedSecretManifest } from "../crypto/seal.js";
import { canonicalJson, refOf, refSubject, type KubeObject } from "../kube/index.js";
import { SPOKE_ERROR, SpokeError } from "./spoke-errors.js";

/** Where the decryptor gets keys; both are loaded from Secrets in the spoke's namespace. */
export interface DecryptionKeys {
  readonly sealing: KeyRing | undefined;
  readonly sops: SopsResolvedKeyRing | undefined;
  /** Changes whenever either ring changes, so cached plaintext from old keys is dropped. */
  readonly version: string;
}

export interface DecryptedApp {
  /** Objects to apply: encrypted objects replaced or accompanied by their plaintext Secrets. */
  readonly objects: KubeObject[];
  /** SealedSecrets applied as themselves (their status is set to Synced after apply, as the controller does). */
  readonly sealedSecrets: KubeObject[];
}

const SEALED_SECRET = "bitnami.com/SealedSecret";
const FLEET_SEALED_SECRET = "flotilla.dev/FleetSealedSecret";

function groupKind(obj: KubeObject): string {
  const slash = obj.apiVersion.indexOf("/");
  return `${slash < 0 ? "" : obj.apiVersion.slice(0, slash)}/${obj.kind}`;
}

export function isEncryptedObject(obj: KubeObject): boolean {
  const gk = groupKind(obj);
  return gk === SEALED_SECRET || gk === FLEET_SEALED_SECRET || isSopsEncrypted(obj);
}

/**
 * Turns SealedSecret, FleetSealedSecret and SOPS objects into plaintext objects, locally.
 * Results are cached by the digest of the ciphertext object (and key version), so a resync with
 * unchanged ciphertext performs no RSA or age operation at all. Errors never carry plaintext: the
 * crypto modules scrub their messages and we add only the object's subject.
 */
export class SecretDecryptor {
  readonly #cluster: string;
  readonly #logger: Logger;
  readonly #cache = new Map<string, KubeObject>();
  #keysVersion = "";

  constructor(options: { cluster: string; logger?: Logger }) {
    this.#cluster = options.cluster;
    this.#logger = options.logger ?? silentLogger();
  }

  /** Cache entries (for tests and metrics). */
  get cacheSize(): number {
    return this.#cache.size;
  }

  async decryptApp(app: string, objects: readonly KubeObject[], keys: DecryptionKeys): Promise<DecryptedApp> {
    if (keys.version !== this.#keysVersion) {
      this.#cache.clear();
      this.#keysVersion = keys.version;
    }
    const out: KubeObject[] = [];
    const sealedSecrets: KubeObject[] = [];
    const used = new Set<string>();
    for (const obj of objects) {
      if (!isEncryptedObject(obj)) {
        out.push(obj);
        continue;
      }
      const digest = createHash("sha256").update(canonicalJson(obj)).digest("hex");
      used.add(digest);
      let plain = this.#cache.get(digest);
      if (plain === undefined) {
        plain = await this.#decryptOne(app, obj, keys);
        this.#cache.set(digest, plain);
      }
      const gk = groupKind(obj);
      if (gk === SEALED_SECRET) {
        sealedSecrets.push(obj);
        out.push(obj);
      }
      out.push(structuredClone(plain));
    }
    return { objects: out, sealedSecrets };
  }

  async #decryptOne(app: string, obj: KubeObject, keys: DecryptionKeys): Promise<KubeObject> {
    const subject = refSubject(refOf(obj));
    const gk = groupKind(obj);
    try {
      if (gk === SEALED_SECRET || gk === FLEET_SEALED_SECRET) {
        if (keys.sealing === undefined) throw new SpokeError(SPOKE_ERROR.keys, "no sealing key is loaded");
        const secret =
          gk === SEALED_SECRET
            ? unsealSealedSecret(obj as unknown as SealedSecretManifest, keys.sealing)
            : unsealFleetSealedSecret(obj as unknown as FleetSealedSecretManifest, this.#cluster, keys.sealing);
        return secret as unknown as KubeObject;
      }
      if (keys.sops === undefined) throw new SpokeError(SPOKE_ERROR.keys, "no SOPS key is loaded");
      const plain = await decryptSopsObject(obj, keys.sops, { logger: this.#logger });
      return plain as KubeObject;
    } catch (err) {
      const code = typeof (err as { code?: unknown }).code === "string" ? (err as { code: string }).code : "UNKNOWN";
      this.#logger.warn({ app, object: subject, code }, "decryption failed");
      throw new SpokeError(SPOKE_ERROR.decrypt, `${subject}: ${code}: ${errorMessage(err)}`, { field: subject, cause: err });
    }
  }
}
