import { DESIRED_BUCKET, assertClusterName, bundleBucket, inboxPrefix, subjects } from "../protocol/index.js";

export interface SpokePermissions {
  readonly publish: readonly string[];
  readonly subscribe: readonly string[];
}

/**
 * How one spoke's account is wired to the hub's (docs/protocol.md "NATS accounts"). Each list is
 * exported by one side to the other side only, and imported there under the same subject.
 */
export interface SpokeAccountLinks {
  /** JetStream requests the spoke may send; served in the hub's account, answered through the import's reply mapping. */
  readonly hubServices: readonly string[];
  /** Hub → spoke messages. */
  readonly hubStreams: readonly string[];
  /** Spoke → hub messages: exported by the spoke's account, imported by the hub's under the spoke's own name. */
  readonly spokeStreams: readonly string[];
}

/**
 * What crosses the boundary between the hub's account and one spoke's. Deliberately nothing else:
 * no consumer create (its body's `deliver_subject` would be a subject in the hub's account), no
 * flow control, no MSG.GET, no `$KV.>`/`$O.>` subject, no other cluster's name.
 */
export function spokeAccountLinks(fleet: string, cluster: string): SpokeAccountLinks {
  assertClusterName(cluster);
  const objects = bundleBucket(cluster);
  return {
    hubServices: [
      // Per-key direct get: the key is in the subject, so this is the spoke's own key only.
      `$JS.API.DIRECT.GET.KV_${DESIRED_BUCKET}.$KV.${DESIRED_BUCKET}.${cluster}`,
      // Body-form direct get on the spoke's own object stream (metadata, then chunk by chunk): any
      // message of that stream, which holds nothing but this spoke's bundles.
      `$JS.API.DIRECT.GET.OBJ_${objects}`,
    ],
    hubStreams: [subjects.notify(fleet, cluster)],
    spokeStreams: [subjects.hello(fleet, cluster), subjects.status(fleet, cluster)],
  };
}

/**
 * The spoke user's permissions inside its own account (measured on nats-server 2.9.10): a second wall
 * behind the account boundary, so a stray publish is a logged violation rather than a silent drop.
 */
export function spokePermissions(fleet: string, cluster: string): SpokePermissions {
  const links = spokeAccountLinks(fleet, cluster);
  return {
    publish: [...links.hubServices, ...links.spokeStreams],
    subscribe: [`${inboxPrefix(cluster)}.>`, ...links.hubStreams],
  };
}
