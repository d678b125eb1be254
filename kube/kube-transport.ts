import { readFile } from "node:fs/promises";
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { Clock } from "../core/index.js";
import { ExecCredentialPlugin, type ExecCredential } from "./exec-credential.js";
import { KubeError, KUBE_ERROR } from "./kube-errors.js";
import type { KubeTarget } from "./kube-target.js";

export interface KubeTransportOptions {
  readonly target: KubeTarget;
  readonly clock: Clock;
  /** The environment exec plugins inherit. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

export interface KubeRequest {
  readonly method: string;
  /** Path below the server URL, starting with `/`, query string included. */
  readonly path: string;
  readonly accept?: string;
  readonly contentType?: string;
  readonly body?: string;
  readonly signal?: AbortSignal | undefined;
}

export interface KubeResponse {
  readonly status: number;
  readonly headers: IncomingMessage["headers"];
  readonly body: string;
}

/** A response body larger than this is refused (the largest list the spoke reads is far smaller). */
const MAX_BODY_BYTES = 256 * 1024 * 1024;

interface Auth {
  readonly authorization?: string | undefined;
  readonly clientCertificate?: { readonly certPem: string; readonly keyPem: string } | undefined;
  /** The exec credential used, so a 401 can invalidate exactly that one. */
  readonly exec?: ExecCredential | undefined;
}

/**
 * HTTP(S) to one API server with a kubeconfig user's credentials: node:https with a keep-alive
 * agent (CA, insecure-skip-tls-verify, tls-server-name, client certificate), a bearer token
 * from the kubeconfig, a token file read again for every request (rotation), or an exec plugin
 * (cached until expiry, run again after a 401). Nothing here logs; errors carry no credential.
 */
export class KubeTransport {
  readonly #target: KubeTarget;
  readonly #base: URL;
  readonly #exec: ExecCredentialPlugin | undefined;
  #agent: HttpAgent | undefined;
  /** The client certificate the current agent presents (exec plugins may rotate it). */
  #agentCert: string | undefined;

  constructor(options: KubeTransportOptions) {
    this.#target = options.target;
    this.#base = new URL(options.target.server);
    const exec = options.target.user.exec;
    this.#exec =
      exec === undefined
        ? undefined
        : new ExecCredentialPlugin({ config: exec, baseDir: options.target.baseDir, env: options.env, clock: options.clock, cluster: options.target });
  }

  get target(): KubeTarget {
    return this.#target;
  }

  /** How many times the exec plugin ran (0 without one). */
  get execRuns(): number {
    return this.#exec?.runs ?? 0;
  }

  async #auth(): Promise<Auth> {
    const { user } = this.#target;
    let token = user.token;
    if (user.tokenFile !== undefined) {
      try {
        token = (await readFile(user.tokenFile, "utf8")).trim();
      } catch {
        throw new KubeError(KUBE_ERROR.credential, "cannot read the token file", { file: user.tokenFile, userError: true });
      }
    }
    let clientCertificate = user.clientCertificate;
    let exec: ExecCredential | undefined;
    if (this.#exec !== undefined) {
      exec = await this.#exec.credential();
      // client-go: the plugin's token wins over a static one; its certificate over the kubeconfig's.
      token = exec.token ?? token;
      clientCertificate = exec.clientCertificate ?? clientCertificate;
    }
    return { authorization: token === undefined || token === "" ? undefined : `Bearer ${token}`, clientCertificate, exec };
  }

  #agentFor(cert: Auth["clientCertificate"]): HttpAgent {
    if (this.#agent !== undefined && this.#agentCert === cert?.certPem) return this.#agent;
    this.#agent?.destroy();
    const t = this.#target;
    this.#agent =
      this.#base.protocol === "http:"
        ? new HttpAgent({ keepAlive: true })
        : new HttpsAgent({
            keepAlive: true,
            ...(t.caPem === undefined ? {} : { ca: t.caPem }),
            rejectUnauthorized: !t.insecureSkipTlsVerify,
            ...(t.tlsServerName === undefined ? {} : { servername: t.tlsServerName }),
            ...(cert === undefined ? {} : { cert: cert.certPem, key: cert.keyPem }),
          });
    this.#agentCert = cert?.certPem;
    return this.#agent;
  }

  async #open(req: KubeRequest, auth: Auth): Promise<IncomingMessage> {
    const url = new URL(this.#base.pathname.replace(/\/$/, "") + req.path, this.#base);
    const headers: OutgoingHttpHeaders = { accept: req.accept ?? "application/json" };
    if (auth.authorization !== undefined) headers.authorization = auth.authorization;
    if (req.contentType !== undefined) headers["content-type"] = req.contentType;
    if (req.body !== undefined) headers["content-length"] = Buffer.byteLength(req.body);
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    return new Promise<IncomingMessage>((resolve, reject) => {
      const r = send(url, { method: req.method, headers, agent: this.#agentFor(auth.clientCertificate), ...(req.signal === undefined ? {} : { signal: req.signal }) }, resolve);
      r.on("error", reject);
      r.end(req.body);
    });
  }

  /**
   * Sends a request and returns the raw response stream (watches). A 401 with exec credentials runs
   * the plugin again and retries once, as client-go does when a token was revoked early.
   */
  async stream(req: KubeRequest): Promise<IncomingMessage> {
    const auth = await this.#auth();
    const res = await this.#open(req, auth);
    if (res.statusCode !== 401 || this.#exec === undefined) return res;
    res.resume();
    this.#exec.invalidate(auth.exec);
    return this.#open(req, await this.#auth());
  }

  /** Sends a request and reads the whole body. */
  async request(req: KubeRequest): Promise<KubeResponse> {
    const res = await this.stream(req);
    return readBody(res);
  }

  /** Closes idle keep-alive sockets (shutdown, tests). */
  close(): void {
    this.#agent?.destroy();
    this.#agent = undefined;
  }
}

export function readBody(res: IncomingMessage): Promise<KubeResponse> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) res.destroy(new KubeError(KUBE_ERROR.unreachable, "response body too large"));
      else chunks.push(c);
    });
    res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
    res.on("error", reject);
  });
}
