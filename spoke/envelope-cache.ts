import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { KubeClient } from "../kube/index.js";

/**
 * Keeps the last verified envelope so that with the hub or NATS gone the spoke still enforces
 * it after a restart. The envelope holds only sealed material and is re-verified against the
 * pinned hub key when loaded, so a tampered cache is rejected like a tampered KV entry.
 */
export interface EnvelopeCache {
  load(): Promise<string | undefined>;
  save(envelopeJson: string): Promise<void>;
}

/** A file (written atomically, mode 0600). */
export class FileEnvelopeCache implements EnvelopeCache {
  readonly #path: string;
  constructor(path: string) {
    this.#path = path;
  }
  async load(): Promise<string | undefined> {
    try {
      return await readFile(this.#path, "utf8");
    } catch {
      return undefined;
    }
  }
  async save(envelopeJson: string): Promise<void> {
    await mkdir(dirname(this.#path), { recursive: true });
    const tmp = `${this.#path}.tmp`;
    await writeFile(tmp, envelopeJson, { mode: 0o600 });
    await rename(tmp, this.#path);
  }
}

/** A Secret in the spoke's namespace (in-cluster default: survives pod restarts without a volume). */
export class SecretEnvelopeCache implements EnvelopeCache {
  readonly #client: KubeClient;
  readonly #namespace: string;
  readonly #name: string;
  constructor(options: { client: KubeClient; namespace: string; name?: string }) {
    this.#client = options.client;
    this.#namespace = options.namespace;
    this.#name = options.name ?? "flotilla-last-envelope";
  }
  async load(): Promise<string | undefined> {
    const s = await this.#client.get({ apiVersion: "v1", kind: "Secret", namespace: this.#namespace, name: this.#name });
    const b64 = (s?.data as Record<string, string> | undefined)?.["envelope.json"];
    return b64 === undefined ? undefined : Buffer.from(b64, "base64").toString("utf8");
  }
  async save(envelopeJson: string): Promise<void> {
    await this.#client.apply(
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: this.#name, namespace: this.#namespace, labels: { "app.kubernetes.io/managed-by": "flotilla" } },
        type: "Opaque",
        data: { "envelope.json": Buffer.from(envelopeJson).toString("base64") },
      },
      { force: true },
    );
  }
}
