import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect as tcpConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FlotillaError, locateExecutable, SBIN_DIRS } from "../../core/index.js";
import { freePort } from "./free-port.js";

export interface NatsServerHandle {
  readonly url: string;
  readonly port: number;
  readonly storeDir: string;
  /** Everything the server printed, for assertions on permission violations. */
  log(): string;
  stop(): Promise<void>;
}

export interface StartNatsOptions {
  /** Extra config file content (users, permissions); JetStream and the port are set for you. */
  readonly config?: string;
  /** A complete config file to use instead (must contain `listen` and `jetstream`); see flotilla nats-config. */
  readonly configFile?: string;
  readonly port?: number;
  readonly maxPayload?: number;
  /** With configFile: the file sets its own `jetstream { store_dir }` (as flotilla nats-config writes it), so -sd is not passed. */
  readonly configHasStoreDir?: boolean;
  /**
   * Use this directory (the caller's) for the config and JetStream store instead of a fresh temp dir,
   * so a second server started on it recovers the streams (a restart). stop() then leaves it in place.
   */
  readonly storeDir?: string;
}

const INSTALL_HINT = "install it with `apt-get install nats-server` (Debian/Ubuntu) or put it on PATH";

/** Finds the real nats-server binary: PATH first, then /usr/sbin where Debian puts it. */
export function findNatsServer(pathEnv: string | undefined, fallbackDirs: readonly string[] = SBIN_DIRS): string {
  const found = locateExecutable("nats-server", pathEnv, fallbackDirs);
  if (found !== undefined) return found;
  throw new FlotillaError("NATS_SERVER_MISSING", `nats-server binary not found; ${INSTALL_HINT}`);
}

/** Resolves once `port` accepts TCP connections; rejects when the child exits or the time is up. */
export function waitForPort(port: number, child: ChildProcess, timeoutMs: number, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      if (child.exitCode !== null) {
        reject(new FlotillaError("NATS_SERVER_FAILED", `nats-server exited with ${String(child.exitCode)}: ${output()}`));
        return;
      }
      const socket = tcpConnect({ host: "127.0.0.1", port });
      socket.once("connect", () => {
        socket.destroy();
        resolve();
      });
      socket.once("error", () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new FlotillaError("NATS_SERVER_TIMEOUT", `nats-server did not listen on ${String(port)}: ${output()}`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

/**
 * Spawns a real nats-server with JetStream on a random port and a temp store dir.
 * The caller stops it (afterAll); stop() also removes the store dir unless the caller passed its own.
 */
export async function startNats(options: StartNatsOptions = {}): Promise<NatsServerHandle> {
  const binary = findNatsServer(process.env.PATH);
  const ownsStoreDir = options.storeDir === undefined;
  const storeDir = options.storeDir ?? (await mkdtemp(join(tmpdir(), "flotilla-nats-")));
  if (!ownsStoreDir) await mkdir(storeDir, { recursive: true });
  const port = options.port ?? (await freePort());
  const confPath = join(storeDir, "nats-server.conf");
  const conf =
    options.configFile ??
    [
      `listen: "127.0.0.1:${String(port)}"`,
      `jetstream { store_dir: "${join(storeDir, "js")}" }`,
      options.maxPayload === undefined ? "" : `max_payload: ${String(options.maxPayload)}`,
      options.config ?? "",
    ].join("\n");
  await writeFile(confPath, conf);
  const child = spawn(binary, ["-c", confPath, ...(options.configFile === undefined ? [] : ["-p", String(port), ...(options.configHasStoreDir === true ? [] : ["-sd", join(storeDir, "js")])])], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  try {
    await waitForPort(port, child, 10_000, () => output);
  } catch (err) {
    child.kill("SIGKILL");
    if (ownsStoreDir) await rm(storeDir, { recursive: true, force: true });
    throw err;
  }
  return {
    url: `nats://127.0.0.1:${String(port)}`,
    port,
    storeDir,
    log: () => output,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
        await exited;
        clearTimeout(timer);
      }
      if (ownsStoreDir) await rm(storeDir, { recursive: true, force: true });
    },
  };
}
