import { DESIRED_BUCKET, assertClusterName, bundleBucket, inboxPrefix, subjects } from "../protocol/index.js";

export interface SpokePermissions {
  readonly publish: readonly string[];
  readonly subscribe: readonly string[];
}

/**
 * The only subjects a spoke's NATS user may use (measured on nats-server 2.9.10, see
 * docs/protocol.md "NATS users"). Deliberately absent: STREAM.INFO, MSG.GET and the DIRECT.GET body
 * form on the shared KV, legacy/durable consumer create, DELETE, LIST/NAMES, $JS.API.INFO, $KV.> writes.
 */
export function spokePermissions(fleet: string, cluster: string): SpokePermissions {
  assertClusterName(cluster);
  const objects = bundleBucket(cluster);
  return {
    publish: [
      `$JS.API.DIRECT.GET.KV_${DESIRED_BUCKET}.$KV.${DESIRED_BUCKET}.${cluster}`,
      `$JS.API.STREAM.MSG.GET.OBJ_${objects}`,
      `$JS.API.CONSUMER.CREATE.OBJ_${objects}.*.$O.${objects}.C.*`,
      subjects.status(fleet, cluster),
      subjects.hello(fleet, cluster),
    ],
    subscribe: [`${inboxPrefix(cluster)}.>`, subjects.notify(fleet, cluster)],
  };
}
