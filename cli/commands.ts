import type { CommandRegistrar } from "./context.js";

/**
 * Every command of the `flotilla` binary, in help order. Each entry loads its module only when
 * that command runs (or for `--help`), so `flotilla version` does not pay for the crypto, Kubernetes
 * and NATS libraries that other commands pull in. Add one entry per command file.
 */
export interface CommandEntry {
  /** The top-level command name as typed by the user. */
  readonly name: string;
  readonly load: () => Promise<CommandRegistrar>;
  /** Needs every other command registered too (`completion` walks the whole tree). */
  readonly needsAll?: boolean;
}

export const COMMANDS: readonly CommandEntry[] = [
  { name: "version", load: async () => (await import("./version.js")).registerVersion },
  { name: "demo", load: async () => (await import("./demo.js")).registerDemo },
  { name: "status", load: async () => (await import("./status.js")).registerStatus },
  { name: "app", load: async () => (await import("./app.js")).registerApp },
  { name: "refresh", load: async () => (await import("./app.js")).registerRefresh },
  { name: "audit", load: async () => (await import("./app.js")).registerAudit },
  { name: "hub", load: async () => (await import("./hub.js")).registerHub },
  { name: "spoke", load: async () => (await import("./spoke.js")).registerSpoke },
  { name: "bootstrap", load: async () => (await import("./bootstrap.js")).registerBootstrap },
  { name: "nats-config", load: async () => (await import("./nats-config.js")).registerNatsConfig },
  { name: "health", load: async () => (await import("./health.js")).registerHealth },
  { name: "render", load: async () => (await import("./render.js")).registerRender },
  { name: "diff", load: async () => (await import("./diff.js")).registerDiff },
  { name: "helm", load: async () => (await import("./helm.js")).registerHelm },
  { name: "appset", load: async () => (await import("./appset.js")).registerAppset },
  { name: "seal", load: async () => (await import("./seal.js")).registerSeal },
  { name: "unseal", load: async () => (await import("./unseal.js")).registerUnseal },
  { name: "reseal", load: async () => (await import("./reseal.js")).registerReseal },
  { name: "keys", load: async () => (await import("./keys.js")).registerKeys },
  { name: "sops", load: async () => (await import("./sops.js")).registerSops },
  { name: "devcluster", load: async () => (await import("./devcluster.js")).registerDevcluster },
  { name: "completion", load: async () => (await import("./completion.js")).registerCompletion, needsAll: true },
];

/** Global options that take a value, so their value is not mistaken for the command name. */
const GLOBAL_OPTIONS_WITH_VALUE = new Set(["--log-level", "--log-file"]);

/** The entries needed to run `argv`: just the named command, or all `available` for help and typos. */
export function commandsFor(argv: readonly string[], available: readonly CommandEntry[] = COMMANDS): readonly CommandEntry[] {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (GLOBAL_OPTIONS_WITH_VALUE.has(arg)) {
      i++;
      continue;
    }
    if (arg.startsWith("-")) continue;
    const entry = available.find((c) => c.name === arg);
    return entry === undefined || entry.needsAll === true ? available : [entry];
  }
  return available;
}
