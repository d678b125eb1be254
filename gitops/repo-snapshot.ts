import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { GITOPS_ERROR, GitOpsError } from "./gitops-errors.js";
import { confinePath, dirOf, joinRepoPath } from "./repo-path.js";

/** Bounds on what one checkout may hold, so a hostile repository cannot exhaust the hub. */
export interface SnapshotLimits {
  /** Most files (blobs and symlinks) in one checkout. */
  readonly maxFiles: number;
  /** Largest single file we read; bigger files are listed but fail when an app reads them. */
  readonly maxFileBytes: number;
  /** Most bytes held in memory for one checkout. */
  readonly maxTotalBytes: number;
}

export const DEFAULT_LIMITS: SnapshotLimits = {
  maxFiles: 50_000,
  maxFileBytes: 4 * 1024 * 1024,
  maxTotalBytes: 512 * 1024 * 1024,
};

/** One entry of a checkout before it is frozen into a snapshot. */
export type SnapshotEntry =
  | { readonly kind: "file"; readonly data: Uint8Array }
  | { readonly kind: "oversized"; readonly size: number }
  | { readonly kind: "symlink"; readonly target: string };

/**
 * A read-only, in-memory view of one revision of a repository. Every read is confined to the
 * repository and bounded; the views are synchronous so rendering stays a pure function of it.
 */
export interface RepoSnapshot {
  /** The commit oid, or `sha256:<hex>` of the content for a plain directory. */
  readonly revision: string;
  /** Where it came from (URL or local path), for messages and repoURL matching. */
  readonly source: string;
  /** Every file path (symlinks included), sorted. */
  files(): readonly string[];
  /** Every directory path except the root, sorted. */
  directories(): readonly string[];
  isFile(path: string): boolean;
  isDirectory(path: string): boolean;
  /** The bytes of a file, following in-repo symlinks. Throws NOT_FOUND, TOO_LARGE or PATH_ESCAPE. */
  read(path: string, where?: { field?: string }): Uint8Array;
  readText(path: string, where?: { field?: string }): string;
  /** Writes the files under `dir` (for tools such as kustomize that need a real tree). */
  materialize(dir: string): Promise<void>;
}

const decoder = new TextDecoder("utf-8");
const encoder = new TextEncoder();
const MAX_LINK_HOPS = 16;

class TreeSnapshot implements RepoSnapshot {
  readonly revision: string;
  readonly source: string;
  readonly #entries: ReadonlyMap<string, SnapshotEntry>;
  readonly #files: readonly string[];
  readonly #dirs: readonly string[];
  readonly #dirSet: ReadonlySet<string>;
  readonly #maxFileBytes: number;

  constructor(init: { revision: string; source: string; entries: Map<string, SnapshotEntry>; maxFileBytes: number }) {
    treeEntries.set(this, { entries: init.entries, maxFileBytes: init.maxFileBytes });
    this.revision = init.revision;
    this.source = init.source;
    this.#entries = init.entries;
    this.#maxFileBytes = init.maxFileBytes;
    this.#files = [...init.entries.keys()].sort();
    const dirs = new Set<string>();
    for (const file of this.#files) {
      for (let dir = dirOf(file); dir !== "" && !dirs.has(dir); dir = dirOf(dir)) dirs.add(dir);
    }
    this.#dirSet = dirs;
    this.#dirs = [...dirs].sort();
  }

  files(): readonly string[] {
    return this.#files;
  }

  directories(): readonly string[] {
    return this.#dirs;
  }

  isFile(path: string): boolean {
    return this.#entries.has(confinePath(path));
  }

  isDirectory(path: string): boolean {
    const p = confinePath(path);
    return p === "" || this.#dirSet.has(p);
  }

  read(path: string, where: { field?: string } = {}): Uint8Array {
    let current = confinePath(path, { file: path, ...where });
    for (let hop = 0; hop <= MAX_LINK_HOPS; hop++) {
      const entry = this.#entries.get(current);
      if (entry === undefined) {
        throw new GitOpsError(GITOPS_ERROR.notFound, `no file ${JSON.stringify(current)} at revision ${shortRev(this.revision)}`, {
          file: path,
          ...where,
        });
      }
      if (entry.kind === "file") return entry.data;
      if (entry.kind === "oversized") {
        throw new GitOpsError(
          GITOPS_ERROR.tooLarge,
          `file is ${entry.size} bytes, over the limit of ${this.#maxFileBytes} bytes`,
          { file: path, ...where },
        );
      }
      if (entry.target.startsWith("/")) {
        throw new GitOpsError(GITOPS_ERROR.pathEscape, `symlink ${current} points outside the repository`, { file: path, ...where });
      }
      current = joinRepoPath(dirOf(current), entry.target, { file: path, ...where });
    }
    throw new GitOpsError(GITOPS_ERROR.pathEscape, `too many levels of symlinks`, { file: path, ...where });
  }

  readText(path: string, where: { field?: string } = {}): string {
    return decoder.decode(this.read(path, where));
  }

  async materialize(dir: string): Promise<void> {
    for (const file of this.#files) {
      let data: Uint8Array;
      try {
        data = this.read(file);
      } catch {
        // Oversized or escaping entries are left out; a tool that needs them fails with "not found".
        continue;
      }
      const target = join(dir, ...file.split("/"));
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, data);
    }
  }
}

const treeEntries = new WeakMap<RepoSnapshot, { entries: ReadonlyMap<string, SnapshotEntry>; maxFileBytes: number }>();

/** The entries behind a snapshot (for packing it to a worker thread). */
export function snapshotEntries(snapshot: RepoSnapshot): { entries: ReadonlyMap<string, SnapshotEntry>; maxFileBytes: number } {
  const found = treeEntries.get(snapshot);
  if (found === undefined) throw new TypeError("not a snapshot built by SnapshotBuilder");
  return found;
}

/** A snapshot over entries already checked against the limits (unpacked in a worker thread). */
export function snapshotFromEntries(init: { revision: string; source: string; entries: Map<string, SnapshotEntry>; maxFileBytes: number }): RepoSnapshot {
  return new TreeSnapshot(init);
}

function shortRev(revision: string): string {
  return /^[0-9a-f]{40}$/u.test(revision) ? revision.slice(0, 12) : revision.slice(0, 19);
}

/**
 * Builds snapshots while enforcing the limits: the file count and total size are hard limits
 * (the whole checkout fails), a single oversized file only fails the readers of that file.
 */
export class SnapshotBuilder {
  readonly #limits: SnapshotLimits;
  readonly #source: string;
  readonly #entries = new Map<string, SnapshotEntry>();
  #total = 0;

  constructor(source: string, limits: SnapshotLimits = DEFAULT_LIMITS) {
    this.#source = source;
    this.#limits = limits;
  }

  /** True when a file of `size` bytes would be kept in memory (callers skip reading it otherwise). */
  accepts(size: number): boolean {
    return size <= this.#limits.maxFileBytes;
  }

  add(path: string, entry: SnapshotEntry): void {
    const p = confinePath(path, { file: path });
    if (this.#entries.size >= this.#limits.maxFiles) {
      throw new GitOpsError(GITOPS_ERROR.tooLarge, `${this.#source} has more than ${this.#limits.maxFiles} files`, { file: p });
    }
    let stored = entry;
    if (entry.kind === "file") {
      if (entry.data.byteLength > this.#limits.maxFileBytes) stored = { kind: "oversized", size: entry.data.byteLength };
      else this.#total += entry.data.byteLength;
    }
    if (this.#total > this.#limits.maxTotalBytes) {
      throw new GitOpsError(GITOPS_ERROR.tooLarge, `${this.#source} holds more than ${this.#limits.maxTotalBytes} bytes`, { file: p });
    }
    this.#entries.set(p, stored);
  }

  build(revision: string): RepoSnapshot {
    return new TreeSnapshot({ revision, source: this.#source, entries: this.#entries, maxFileBytes: this.#limits.maxFileBytes });
  }
}

/** A snapshot of files given in memory (tests, benchmarks, `appset generate`). */
export function memorySnapshot(
  files: Readonly<Record<string, string | Uint8Array>>,
  options: { revision?: string; source?: string; limits?: SnapshotLimits } = {},
): RepoSnapshot {
  const builder = new SnapshotBuilder(options.source ?? "memory", options.limits);
  for (const [path, content] of Object.entries(files)) {
    builder.add(path, { kind: "file", data: typeof content === "string" ? encoder.encode(content) : content });
  }
  return builder.build(options.revision ?? "memory");
}
