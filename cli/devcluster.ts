import { readFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { FlotillaError, errorMessage } from "../core/index.js";
import { DEFAULT_TIME_FACTOR, DevClusterError, startDevCluster, validateFaults, type DevClusterFaults } from "../devcluster/index.js";
import type { CommandRegistrar } from "./context.js";

interface DevclusterFlags {
  port: string;
  kubeconfig: string;
  name: string;
  data?: string;
  faults?: string;
  timeFactor?: string;
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new FlotillaError("INVALID_FLAG", `"${text}" is not a TCP port (0-65535)`, { field: "--port" });
  }
  return port;
}

function parseTimeFactor(text: string): number {
  const factor = Number(text);
  if (text.trim() === "" || !Number.isFinite(factor) || factor <= 0) {
    throw new FlotillaError("INVALID_FLAG", `"${text}" is not a time factor (a number > 0; 1 is real time)`, { field: "--time-factor" });
  }
  return factor;
}

/** Reads a DevClusterFaults JSON file; a missing, malformed or invalid file is DEVCLUSTER_INVALID_FAULTS naming it. */
export async function readFaults(file: string): Promise<DevClusterFaults> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new DevClusterError("DEVCLUSTER_INVALID_FAULTS", `cannot read the faults file: ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}`, { file, field: "--faults", cause: err });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new DevClusterError("DEVCLUSTER_INVALID_FAULTS", `not JSON: ${errorMessage(err)}`, { file, field: "--faults", cause: err });
  }
  return validateFaults(parsed as DevClusterFaults, { file });
}

/** `flotilla devcluster`: serves an in-memory Kubernetes API until SIGINT/SIGTERM. */
export const registerDevcluster: CommandRegistrar = (program, ctx) => {
  program
    .command("devcluster")
    .description("run an in-memory Kubernetes API server that kubectl and client libraries accept (for tests, demos and trials)")
    .requiredOption("--port <n>", "TCP port on 127.0.0.1 (0 picks a free one)")
    .requiredOption("--kubeconfig <file>", "where to write the kubeconfig for the cluster")
    .option("--name <cluster>", "cluster, user and context name in the kubeconfig", "devcluster")
    .option("--data <file.json>", "persist state to this JSON file and reload it on restart")
    .option("--faults <file.json>", "faults to play from the start (DevClusterFaults JSON, e.g. {\"unpullableImages\": [\"*:does-not-exist\"]})")
    .option("--time-factor <n>", `Kubernetes durations in devcluster time: progressDeadlineSeconds passes after seconds × n (1 is real time)`, String(DEFAULT_TIME_FACTOR))
    .action(async (flags: DevclusterFlags) => {
      const logger = ctx.logger();
      const path = (p: string): string => (isAbsolute(p) ? p : resolve(ctx.cwd, p));
      const faults = flags.faults === undefined ? undefined : await readFaults(path(flags.faults));
      const cluster = await startDevCluster({
        name: flags.name,
        port: parsePort(flags.port),
        kubeconfigPath: path(flags.kubeconfig),
        ...(flags.data === undefined ? {} : { dataFile: path(flags.data) }),
        ...(faults === undefined ? {} : { faults }),
        ...(flags.timeFactor === undefined ? {} : { timeFactor: parseTimeFactor(flags.timeFactor) }),
        clock: ctx.clock,
        logger,
      });
      ctx.stdout.write(`devcluster ${cluster.name} ready at ${cluster.url} (kubeconfig ${cluster.kubeconfigPath})\n`);
      if (!ctx.shutdown.aborted) {
        await new Promise<void>((done) => ctx.shutdown.addEventListener("abort", () => done(), { once: true }));
      }
      await cluster.stop();
      ctx.stdout.write(`devcluster ${cluster.name} stopped\n`);
    });
};
