/**
 * The `flotilla` command lines the demo runs, in one place: the demo drives the product exactly
 * as a user would type it, so these are the documented flags of each command.
 */
export const DEMO_FLEET = "demo";

/** The spoke's namespace in each devcluster (inventories, keys, SOPS key Secret). */
export const SPOKE_NAMESPACE = "flotilla-system";

/** How often the demo's hub polls the fleet repo, so an edit-and-commit shows up within seconds. */
export const DEMO_POLL_INTERVAL = "2s";

export function natsConfigArgs(input: { clusters: readonly string[]; out: string; listen: string }): string[] {
  return ["nats-config", "--fleet", DEMO_FLEET, "--clusters", input.clusters.join(","), "--out", input.out, "--listen", input.listen];
}

export function devclusterArgs(input: { name: string; kubeconfig: string; faults?: string | undefined }): string[] {
  return ["devcluster", "--port", "0", "--kubeconfig", input.kubeconfig, "--name", input.name, ...(input.faults === undefined ? [] : ["--faults", input.faults])];
}

export function hubArgs(input: { natsUrl: string; nkey: string; repo: string; port: number; signingKey: string; autoRollback?: boolean }): string[] {
  return [
    "hub",
    "--fleet",
    DEMO_FLEET,
    "--nats",
    input.natsUrl,
    "--nkey",
    input.nkey,
    "--repo",
    input.repo,
    "--allow-local-repos",
    "--listen",
    `127.0.0.1:${String(input.port)}`,
    "--signing-key",
    input.signingKey,
    "--poll-interval",
    DEMO_POLL_INTERVAL,
    "--missed-heartbeats",
    "3",
    ...(input.autoRollback === true ? ["--auto-rollback"] : []),
  ];
}

export function spokeArgs(input: { cluster: string; natsUrl: string; nkey: string; hubKey: string; kubeconfig: string }): string[] {
  return [
    "spoke",
    "--fleet",
    DEMO_FLEET,
    "--cluster",
    input.cluster,
    "--nats",
    input.natsUrl,
    "--nkey",
    input.nkey,
    "--hub-key",
    input.hubKey,
    "--kubeconfig",
    input.kubeconfig,
    "--namespace",
    SPOKE_NAMESPACE,
    // Short periods so a stopped spoke shows as offline, and a lost notify is caught, within seconds.
    "--heartbeat",
    "5s",
    "--check-interval",
    "5s",
    "--resync-interval",
    "10s",
  ];
}

export function sopsEncryptArgs(input: { recipient: string; file: string }): string[] {
  // --mac-only-encrypted: the hub adds the destination namespace and tracking metadata to every
  // object, so a MAC over the clear values as well would no longer match on the spoke.
  return ["sops", "encrypt", "--age", input.recipient, "--encrypted-regex", "^(data|stringData)$", "--mac-only-encrypted", input.file];
}

export function fleetSealArgs(input: { hubUrl: string; selector: string; secretFile: string; out: string }): string[] {
  return ["seal", "--fleet", "--selector", input.selector, "--hub", input.hubUrl, "-f", input.secretFile, "-o", "yaml", "-w", input.out];
}
