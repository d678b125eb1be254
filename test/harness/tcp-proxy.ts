import { createServer, connect, type Server, type Socket } from "node:net";
import { freePort } from "./free-port.js";

/**
 * A TCP relay on loopback that a test can cut and restore, to play a broken network link (e.g. a leaf
 * server's link to the hub cluster) without touching either process. While cut, open connections are
 * destroyed and new ones are closed at once, as when a firewall drops the path.
 */
export interface TcpProxy {
  readonly port: number;
  /** `host:port` of the relay, to put in a URL in place of the target. */
  readonly address: string;
  cut(): void;
  restore(): void;
  isCut(): boolean;
  stop(): Promise<void>;
}

export async function startTcpProxy(target: { host?: string; port: number }, port?: number): Promise<TcpProxy> {
  const listenPort = port ?? (await freePort());
  const sockets = new Set<Socket>();
  let cut = false;
  const server: Server = createServer((client) => {
    if (cut) {
      client.destroy();
      return;
    }
    const upstream = connect({ host: target.host ?? "127.0.0.1", port: target.port });
    sockets.add(client);
    sockets.add(upstream);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(listenPort, "127.0.0.1", () => resolve());
  });
  return {
    port: listenPort,
    address: `127.0.0.1:${String(listenPort)}`,
    cut: () => {
      cut = true;
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    restore: () => {
      cut = false;
    },
    isCut: () => cut,
    stop: async () => {
      cut = true;
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
