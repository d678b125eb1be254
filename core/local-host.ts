import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { delimiter, join } from "node:path";

/** Where Debian and friends put server binaries that are not on a user's PATH. */
export const SBIN_DIRS = ["/usr/sbin", "/usr/local/sbin"] as const;

/**
 * Finds a binary on `pathEnv` (a PATH string, passed in because only main.ts reads the
 * environment), then in `fallbackDirs`. Returns undefined so each caller can say how to install it.
 */
export function locateExecutable(name: string, pathEnv: string | undefined, fallbackDirs: readonly string[] = SBIN_DIRS): string | undefined {
  for (const dir of [...(pathEnv ?? "").split(delimiter).filter((d) => d !== ""), ...fallbackDirs]) {
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** A TCP port on 127.0.0.1 that was free a moment ago (a system nats may hold 4222, so never assume one). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}
