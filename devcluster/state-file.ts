import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { z } from "zod";
import { DevClusterError } from "./devcluster-errors.js";
import type { ObjectStoreSnapshot } from "./object-store.js";

const STATE_SCHEMA = z.object({
  format: z.literal("flotilla-devcluster/v1"),
  resourceVersion: z.number().int().nonnegative(),
  objects: z.array(
    z.object({
      group: z.string(),
      resource: z.string(),
      object: z.looseObject({ metadata: z.looseObject({ name: z.string() }) }),
    }),
  ),
});

/** Reads a `--data` file; undefined when it does not exist yet. Throws DEVCLUSTER_DATA_INVALID naming the file. */
export function readStateFile(path: string): ObjectStoreSnapshot | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new DevClusterError("DEVCLUSTER_DATA_INVALID", `cannot read the data file: ${(err as Error).message}`, { file: path, cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new DevClusterError("DEVCLUSTER_DATA_INVALID", "the data file is not valid JSON", { file: path });
  }
  const parsed = STATE_SCHEMA.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DevClusterError("DEVCLUSTER_DATA_INVALID", `the data file is not a devcluster state file: ${issue?.message ?? "invalid"}`, {
      file: path,
      field: issue?.path.join(".") ?? "",
    });
  }
  return {
    resourceVersion: parsed.data.resourceVersion,
    objects: parsed.data.objects.map((o) => ({ group: o.group, resource: o.resource, object: o.object })),
  };
}

/** Writes the state atomically (temp file + rename), so a crash never leaves half a file. */
export function writeStateFile(path: string, snapshot: ObjectStoreSnapshot): void {
  const body = JSON.stringify({ format: "flotilla-devcluster/v1", resourceVersion: snapshot.resourceVersion, objects: snapshot.objects });
  const temp = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(temp, body, { mode: 0o600 });
    renameSync(temp, path);
  } catch (err) {
    throw new DevClusterError("DEVCLUSTER_DATA_WRITE", `cannot write the data file: ${(err as Error).message}`, { file: path, cause: err });
  }
}
