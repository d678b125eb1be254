import type { StreamInfo } from "@nats-io/jetstream";
import { BUNDLE_BUCKET_PREFIX, DESIRED_BUCKET, STATUS_BUCKET } from "../protocol/index.js";

/** Replicas when `--replicas` is not given: 3 on a JetStream cluster (the server names one), 1 on a single server. */
export function defaultReplicas(serverInfo: { readonly cluster?: string | undefined } | undefined): number {
  return serverInfo?.cluster === undefined || serverInfo.cluster === "" ? 1 : 3;
}

/** The settings of one stream the hub depends on; anything else in the config is the operator's to tune. */
export interface WantedStream {
  readonly replicas: number;
  /** `max_msgs_per_subject`: the KV history (undefined: not checked). */
  readonly history?: number | undefined;
  readonly allowDirect?: boolean | undefined;
}

/** Every stream of Flotilla's JetStream layout (docs/operations.md), by name. */
export function isFlotillaStream(name: string): boolean {
  return name === `KV_${DESIRED_BUCKET}` || name === `KV_${STATUS_BUCKET}` || name.startsWith(`OBJ_${BUNDLE_BUCKET_PREFIX}`);
}

/** What the hub wants of an existing Flotilla stream, given the replica count it runs with. */
export function wantedStream(name: string, replicas: number): WantedStream {
  if (name === `KV_${DESIRED_BUCKET}`) return { replicas, history: 5, allowDirect: true };
  if (name === `KV_${STATUS_BUCKET}`) return { replicas, history: 1, allowDirect: true };
  return { replicas };
}

/** One difference between an existing stream and what the hub wants, with the command that fixes it. */
export interface StreamMismatch {
  readonly stream: string;
  readonly field: "replicas" | "history" | "allow_direct";
  readonly have: number | boolean;
  readonly want: number | boolean;
  readonly fix: string;
}

/**
 * Compares existing streams with what the hub wants (pure). The hub never changes an existing
 * stream itself: a replica change moves data between servers and is the operator's decision.
 */
export function streamMismatches(streams: readonly Pick<StreamInfo, "config">[], replicas: number): StreamMismatch[] {
  const out: StreamMismatch[] = [];
  for (const { config } of streams) {
    if (!isFlotillaStream(config.name)) continue;
    const want = wantedStream(config.name, replicas);
    const have = config.num_replicas;
    if (have !== want.replicas) {
      out.push({ stream: config.name, field: "replicas", have, want: want.replicas, fix: `nats stream edit ${config.name} --replicas ${String(want.replicas)}` });
    }
    if (want.history !== undefined && config.max_msgs_per_subject !== want.history) {
      out.push({ stream: config.name, field: "history", have: config.max_msgs_per_subject, want: want.history, fix: `nats stream edit ${config.name} --max-msgs-per-subject ${String(want.history)}` });
    }
    if (want.allowDirect === true && config.allow_direct !== true) {
      out.push({ stream: config.name, field: "allow_direct", have: config.allow_direct, want: true, fix: `nats stream edit ${config.name} --allow-direct` });
    }
  }
  return out.sort((a, b) => a.stream.localeCompare(b.stream) || a.field.localeCompare(b.field));
}

/** The error text for mismatches: each stream, what differs, and how to fix it (or run with the existing count). */
export function describeMismatches(mismatches: readonly StreamMismatch[], replicas: number, explicit: boolean): string {
  const lines = mismatches.map((m) => `  ${m.stream}: ${m.field} is ${String(m.have)}, the hub wants ${String(m.want)}; fix: ${m.fix}`);
  const replicaCounts = [...new Set(mismatches.filter((m) => m.field === "replicas").map((m) => m.have))];
  const alternative =
    replicaCounts.length === 1
      ? ` Or start the hub with --replicas ${String(replicaCounts[0])} to keep the streams as they are.`
      : "";
  const why = explicit ? `--replicas ${String(replicas)}` : `${String(replicas)} replica(s), the default for this server (3 on a cluster, 1 on a single server)`;
  return `existing JetStream streams differ from what the hub runs with (${why}):\n${lines.join("\n")}\nThe hub does not change existing streams.${alternative}`;
}
