import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serveGitHttpBackend } from "../harness/git-http-backend.js";

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  /** The Authorization header exactly as it arrived (undefined when none). */
  readonly authorization: string | undefined;
}

export interface RecordingGitServer {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly requests: RecordedRequest[];
  stop(): Promise<void>;
}

export interface RecordingGitServerOptions {
  /** Repositories served by `git http-backend`; without it every request is answered 401 (a credential trap). */
  readonly root?: string;
  /** Path prefix → the Basic credentials it requires (`user:password`); other paths need none. */
  readonly auth?: Readonly<Record<string, string>>;
  /** Path prefix → base URL it redirects to (302, the rest of the path appended), before any auth. */
  readonly redirects?: Readonly<Record<string, string>>;
}

function basic(userPass: string): string {
  return `Basic ${Buffer.from(userPass).toString("base64")}`;
}

/**
 * A git smart-HTTP server (real `git http-backend`) on loopback that records every request with
 * its Authorization header, so a test can show which host received which credentials. Without a
 * root it asks every client for credentials, like a fake server that wants to harvest a token.
 */
export async function startRecordingGitServer(options: RecordingGitServerOptions = {}): Promise<RecordingGitServer> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    requests.push({ method: req.method ?? "GET", path: url.pathname, authorization: req.headers.authorization });
    for (const [prefix, target] of Object.entries(options.redirects ?? {})) {
      if (url.pathname.startsWith(prefix)) {
        res.writeHead(302, { location: `${target}${url.pathname.slice(prefix.length)}${url.search}` }).end();
        return;
      }
    }
    const needed = Object.entries(options.auth ?? {}).find(([prefix]) => url.pathname.startsWith(prefix));
    if (options.root === undefined || (needed !== undefined && req.headers.authorization !== basic(needed[1]))) {
      res.writeHead(401, { "WWW-Authenticate": 'Basic realm="git"' }).end("unauthorized");
      return;
    }
    serveGitHttpBackend(req, res, { root: options.root });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export { basic as basicAuthorization };
