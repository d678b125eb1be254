import { spawn } from "node:child_process";
import { isAbsolute, resolve } from "node:path";
import type { Clock } from "../core/index.js";
import { KubeError, KUBE_ERROR } from "./kube-errors.js";
import { isRecord } from "./kube-object.js";
import type { ExecPluginConfig } from "./kube-target.js";

/** What an ExecCredential's status gives: a bearer token and/or a client certificate. */
export interface ExecCredential {
  readonly token?: string | undefined;
  readonly clientCertificate?: { readonly certPem: string; readonly keyPem: string } | undefined;
  /** Epoch ms from `status.expirationTimestamp`; undefined = valid until the server answers 401. */
  readonly expiresAt?: number | undefined;
}

export interface ExecCredentialOptions {
  readonly config: ExecPluginConfig;
  /** Relative commands with a slash resolve here (the kubeconfig's directory), as client-go does. */
  readonly baseDir: string;
  /** The environment the plugin inherits (the spoke's), before the kubeconfig's `env` entries. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly clock: Clock;
  /** `spec.cluster` when the plugin asks for it (provideClusterInfo). */
  readonly cluster: { readonly server: string; readonly caPem?: string | undefined; readonly insecureSkipTlsVerify: boolean; readonly tlsServerName?: string | undefined };
  /** A plugin that has not answered by then is killed. Default 60 s. */
  readonly timeoutMs?: number;
}

const MAX_OUTPUT_BYTES = 1024 * 1024;
/** Refresh this long before the stated expiry, so a request never carries a token about to lapse. */
const EXPIRY_SKEW_MS = 10_000;

function failed(command: string, why: string): KubeError {
  // The command is configuration, not a secret; the plugin's output never goes into a message.
  return new KubeError(KUBE_ERROR.credential, `exec credential plugin ${command}: ${why}`, { field: "user.exec", userError: true });
}

/**
 * Parses a plugin's stdout. Only field names and shape problems are reported: stdout holds the
 * token, so none of it is quoted back.
 */
export function parseExecCredential(stdout: string, apiVersion: string, command: string): ExecCredential {
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch {
    throw failed(command, "did not print an ExecCredential (not JSON)");
  }
  if (!isRecord(doc) || doc.kind !== "ExecCredential") throw failed(command, "did not print an ExecCredential (kind)");
  if (doc.apiVersion !== apiVersion) throw failed(command, `answered apiVersion ${typeof doc.apiVersion === "string" ? JSON.stringify(doc.apiVersion.slice(0, 80)) : "(none)"}, expected ${apiVersion}`);
  const status = doc.status;
  if (!isRecord(status)) throw failed(command, "printed an ExecCredential without status");
  const str = (key: string): string | undefined => {
    const v = status[key];
    if (v === undefined || v === null || v === "") return undefined;
    if (typeof v !== "string") throw failed(command, `status.${key} is not a string`);
    return v;
  };
  const token = str("token");
  const certPem = str("clientCertificateData");
  const keyPem = str("clientKeyData");
  if ((certPem === undefined) !== (keyPem === undefined)) throw failed(command, "status.clientCertificateData and status.clientKeyData must come together");
  if (token === undefined && certPem === undefined) throw failed(command, "status has neither token nor clientCertificateData");
  const expiry = str("expirationTimestamp");
  let expiresAt: number | undefined;
  if (expiry !== undefined) {
    expiresAt = Date.parse(expiry);
    if (!Number.isFinite(expiresAt)) throw failed(command, "status.expirationTimestamp is not an RFC 3339 time");
  }
  return { token, clientCertificate: certPem === undefined || keyPem === undefined ? undefined : { certPem, keyPem }, expiresAt };
}

/**
 * One kubeconfig exec plugin (client-go's `exec.Authenticator`): runs it when no valid credential
 * is cached, shares one run among concurrent callers, caches the answer until its
 * `expirationTimestamp`, and runs it again after `invalidate()` (the server answered 401).
 */
export class ExecCredentialPlugin {
  readonly #o: ExecCredentialOptions;
  #cached: ExecCredential | undefined;
  #running: Promise<ExecCredential> | undefined;
  /** How many times the plugin ran (metrics, tests). */
  runs = 0;

  constructor(options: ExecCredentialOptions) {
    this.#o = options;
  }

  async credential(): Promise<ExecCredential> {
    const cached = this.#cached;
    if (cached !== undefined && (cached.expiresAt === undefined || cached.expiresAt - EXPIRY_SKEW_MS > this.#o.clock.now())) return cached;
    this.#running ??= this.#run().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** Drops the cached credential (the server rejected it). */
  invalidate(rejected?: ExecCredential): void {
    if (rejected === undefined || rejected === this.#cached) this.#cached = undefined;
  }

  #execInfo(): string {
    const { config, cluster } = this.#o;
    const spec: Record<string, unknown> = { interactive: false };
    if (config.provideClusterInfo) {
      spec.cluster = {
        server: cluster.server,
        ...(cluster.tlsServerName === undefined ? {} : { "tls-server-name": cluster.tlsServerName }),
        "insecure-skip-tls-verify": cluster.insecureSkipTlsVerify,
        ...(cluster.caPem === undefined ? {} : { "certificate-authority-data": Buffer.from(cluster.caPem).toString("base64") }),
      };
    }
    return JSON.stringify({ apiVersion: config.apiVersion, kind: "ExecCredential", spec });
  }

  async #run(): Promise<ExecCredential> {
    const { config } = this.#o;
    // A spoke has no terminal to prompt on (client-go: "standard input is not a terminal").
    if (config.interactiveMode === "Always") throw failed(config.command, "interactiveMode Always needs a terminal, and the spoke has none");
    const command = isAbsolute(config.command) || !config.command.includes("/") ? config.command : resolve(this.#o.baseDir, config.command);
    this.runs++;
    const stdout = await new Promise<string>((done, reject) => {
      const child = spawn(command, [...config.args], {
        env: { ...this.#o.env, ...config.env, KUBERNETES_EXEC_INFO: this.#execInfo() },
        stdio: ["ignore", "pipe", "pipe"],
        timeout: this.#o.timeoutMs ?? 60_000,
      });
      const chunks: Buffer[] = [];
      let size = 0;
      let stderrBytes = 0;
      child.stdout.on("data", (c: Buffer) => {
        size += c.length;
        if (size > MAX_OUTPUT_BYTES) child.kill("SIGKILL");
        else chunks.push(c);
      });
      // Drained so the plugin never blocks on a full pipe; counted, never logged (it may echo secrets).
      child.stderr.on("data", (c: Buffer) => {
        stderrBytes += c.length;
      });
      child.on("error", (err: NodeJS.ErrnoException) => {
        const hint = config.installHint === undefined ? "" : `; ${config.installHint.trim()}`;
        reject(failed(config.command, err.code === "ENOENT" ? `not found${hint}` : `cannot run (${err.code ?? "error"})`));
      });
      child.on("close", (code, signal) => {
        if (size > MAX_OUTPUT_BYTES) reject(failed(config.command, "printed more than 1 MiB"));
        else if (signal !== null) reject(failed(config.command, `killed by ${signal}${signal === "SIGTERM" ? " (timed out)" : ""}`));
        else if (code !== 0) reject(failed(config.command, `exited with code ${String(code)} (${String(stderrBytes)} bytes on stderr, not shown)`));
        else done(Buffer.concat(chunks).toString("utf8"));
      });
    });
    const credential = parseExecCredential(stdout, config.apiVersion, config.command);
    this.#cached = credential;
    return credential;
  }
}
