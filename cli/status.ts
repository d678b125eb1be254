import { FlotillaError } from "../core/index.js";
import type { CommandRegistrar } from "./context.js";
import { DEFAULT_HUB_URL, hubClientFor, hubUrlFrom } from "./hub-url.js";
import { STATUS_FORMATS, degradedClusters, formatStatus, type StatusFormat } from "./status-table.js";

interface StatusFlags {
  hub?: string;
  output: string;
  cluster?: string;
}

function isFormat(value: string): value is StatusFormat {
  return (STATUS_FORMATS as readonly string[]).includes(value);
}

/**
 * `flotilla status`: each cluster's connection, sync, health and revision from a running hub's API,
 * printed like `kubectl get`. Exits 1 when anything is Degraded, so CI can gate on it.
 */
export const registerStatus: CommandRegistrar = (program, ctx) => {
  program
    .command("status")
    .description("show each cluster's connection, sync, health and revision from a running hub (exit 1 if anything is Degraded)")
    .option("--hub <url>", `hub URL (default $FLOTILLA_HUB or ${DEFAULT_HUB_URL})`)
    .option("-o, --output <format>", "table, wide or json", "table")
    .option("--cluster <name>", "show only this cluster")
    .action(async (flags: StatusFlags) => {
      if (!isFormat(flags.output)) {
        throw new FlotillaError("INVALID_FLAG", `unknown output format "${flags.output}" (use ${STATUS_FORMATS.join(", ")})`, { field: "--output" });
      }
      const client = hubClientFor(hubUrlFrom(flags.hub, ctx), ctx);
      let clusters = await client.clusters();
      if (flags.cluster !== undefined) {
        clusters = clusters.filter((c) => c.name === flags.cluster);
        if (clusters.length === 0) throw new FlotillaError("CLUSTER_NOT_FOUND", `the hub knows no cluster "${flags.cluster}"`, { field: "--cluster" });
      }
      ctx.stdout.write(formatStatus(clusters, flags.output, ctx.clock.now()));
      const degraded = degradedClusters(clusters);
      if (degraded.length > 0) {
        throw new FlotillaError("FLEET_DEGRADED", `${String(degraded.length)} cluster(s) Degraded: ${degraded.join(", ")}`);
      }
    });
};
