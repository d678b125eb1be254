import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serveGitHttpBackend } from "../harness/git-http-backend.js";

export interface GitHttpServer {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** Requests seen, with whether they carried valid credentials. */
  readonly requests: { path: string; authorized: boolean }[];
  stop(): Promise<void>;
}

/**
 * A real git smart-HTTP server for tests: `git http-backend` (CGI) behind Basic auth, on the
 * loopback interface. Every repository under `root` is served; requests without the expected
 * credentials get 401 like a real forge.
 */
export async function startGitHttpServer(options: { root: string; username: string; password: string }): Promise<GitHttpServer> {
  const expected = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString("base64")}`;
  const requests: { path: string; authorized: boolean }[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const authorized = req.headers.authorization === expected;
    requests.push({ path: url.pathname, authorized });
    if (!authorized) {
      res.writeHead(401, { "WWW-Authenticate": 'Basic realm="flotilla-test"' });
      res.end("unauthorized");
      return;
    }
    serveGitHttpBackend(req, res, { root: options.root, remoteUser: options.username });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
