import type { Command } from "commander";
import { FlotillaError } from "../core/index.js";
import type { CliContext } from "./context.js";
import { collect } from "./flag-collectors.js";
import { HubCertificates } from "./hub-certs.js";
import { DEFAULT_HUB_URL, hubUrlFrom } from "./hub-url.js";
import { loadCertificate } from "./sealed-io.js";
import { findFleetRepo, writeClusterPins } from "./sealing-pins.js";

interface PinFlags {
  readonly cluster: readonly string[];
  readonly cert: readonly string[];
  readonly fingerprint: readonly string[];
  readonly hub?: string | undefined;
  readonly selector?: string | undefined;
  readonly fleetRepo?: string | undefined;
}

const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/u;

function usage(message: string, field: string): FlotillaError {
  return new FlotillaError("INVALID_FLAG", message, { field });
}

/** `CLUSTER=VALUE`, or a bare VALUE for the one --cluster. */
function perCluster(specs: readonly string[], clusters: readonly string[], flag: string): Array<[string, string]> {
  return specs.map((spec) => {
    const eq = spec.indexOf("=");
    if (eq > 0 && !spec.startsWith("SHA256:")) return [spec.slice(0, eq), spec.slice(eq + 1)];
    if (clusters.length !== 1) throw usage(`give ${flag} as CLUSTER=VALUE, or name exactly one --cluster`, flag);
    return [clusters[0], spec];
  });
}

/**
 * `flotilla keys pin`: records each cluster's sealing certificate fingerprint in its Cluster file
 * (spec.sealingCertificateFingerprint), which `seal --hub` and `reseal --hub` then enforce. From a
 * certificate or fingerprint taken from the cluster itself, or (trust on first use) from the hub,
 * which refuses to replace a pin with a different certificate.
 */
export async function runKeysPin(ctx: CliContext, flags: PinFlags): Promise<void> {
  const repo = await findFleetRepo(ctx, flags.fleetRepo);
  if (repo === undefined) throw usage("no fleet repository found: give --fleet-repo DIR (or set $FLOTILLA_FLEET_REPO, or run it inside the repository)", "--fleet-repo");
  const wanted = new Map<string, string>();
  for (const [cluster, file] of perCluster(flags.cert, flags.cluster, "--cert")) wanted.set(cluster, (await loadCertificate(ctx, file)).fingerprint);
  for (const [cluster, print] of perCluster(flags.fingerprint, flags.cluster, "--fingerprint")) {
    if (!FINGERPRINT.test(print)) throw usage(`"${print}" is not a SHA256 fingerprint as \`flotilla keys fingerprint\` prints it`, "--fingerprint");
    wanted.set(cluster, print);
  }
  const fromHub = flags.hub !== undefined || flags.selector !== undefined;
  if (fromHub) {
    const hub = new HubCertificates(ctx, hubUrlFrom(flags.hub, ctx), repo);
    const named = flags.cluster.filter((c) => !wanted.has(c));
    if (named.length === 0 && flags.selector === undefined) throw usage("with --hub, name the clusters with --cluster or --selector", "--cluster");
    for (const target of await hub.targets({ selector: flags.selector, clusters: named, skip: new Set(wanted.keys()) })) {
      wanted.set(target.cluster, target.certificate.fingerprint);
    }
    ctx.stderr.write(`the fingerprints below come from the hub at ${hub.url}: compare them with the clusters' own (flotilla keys fingerprint)\n`);
  } else if (flags.cert.length === 0 && flags.fingerprint.length === 0) {
    throw usage("give --cert [CLUSTER=]FILE, --fingerprint [CLUSTER=]SHA256:..., or --hub with --cluster/--selector", "--cert");
  }
  const pinned = await writeClusterPins(ctx, repo, wanted);
  for (const pin of pinned) ctx.stdout.write(`${pin.cluster}\t${pin.fingerprint ?? ""}\t${pin.file}\n`);
}

export function registerKeysPin(keys: Command, ctx: CliContext): void {
  keys
    .command("pin")
    .description("pin clusters' sealing certificates in the fleet repository (spec.sealingCertificateFingerprint of each Cluster), enforced by seal/reseal --hub")
    .option("--cluster <name>", "the cluster to pin (repeatable)", collect, [])
    .option("--cert <[CLUSTER=]file|url>", "pin this certificate (as from the cluster's key Secret); CLUSTER= for several", collect, [])
    .option("--fingerprint <[CLUSTER=]SHA256:...>", "pin this fingerprint (as `flotilla keys fingerprint` prints it)", collect, [])
    .option("--hub <url>", `pin what this hub serves now, trust on first use (default $FLOTILLA_HUB or ${DEFAULT_HUB_URL} with --selector)`)
    .option("--selector <k=v[,k2=v2]>", "with the hub: every cluster it lists for this label selector")
    .option("--fleet-repo <dir>", "the fleet repository checkout (default $FLOTILLA_FLEET_REPO, else the Git work tree around the current directory)")
    .action(async (opts: { cluster: string[]; cert: string[]; fingerprint: string[]; hub?: string; selector?: string; fleetRepo?: string }) => {
      await runKeysPin(ctx, opts);
    });
}
