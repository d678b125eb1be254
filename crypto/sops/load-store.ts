import { SOPS_ERROR, SopsError } from "./sops-errors.js";
import type { SopsFormat, SopsStore } from "./sops-store.js";
import { BinaryStore, JsonStore, NestedTreeStore } from "./store-json.js";
import { DotenvStore, IniStore } from "./store-flat.js";
import { YamlStore } from "./store-yaml.js";
import type { TreeBranch } from "./sops-tree.js";

/** Refuse absurd inputs before parsing (Flux caps decryption input the same way). */
export const MAX_SOPS_INPUT_BYTES = 16 * 1024 * 1024;

export function loadStore(text: string, format: SopsFormat, opts: { encrypted: boolean }): SopsStore {
  if (text.length > MAX_SOPS_INPUT_BYTES) {
    throw new SopsError(SOPS_ERROR.invalidFormat, `input is larger than ${MAX_SOPS_INPUT_BYTES} bytes`);
  }
  switch (format) {
    case "yaml":
      return new YamlStore(text);
    case "json":
      return new JsonStore(text);
    case "dotenv":
      return new DotenvStore(text);
    case "ini":
      return new IniStore(text);
    case "binary":
      return new BinaryStore(text, opts);
  }
}

/** A store over an already-parsed object (a Kubernetes manifest); emits JSON. */
export class ObjectStore extends NestedTreeStore {
  readonly format = "json" as const;
  constructor(branch: TreeBranch) {
    super(branch);
  }
  emit(): string {
    return JSON.stringify(this.documents()[0]);
  }
}
