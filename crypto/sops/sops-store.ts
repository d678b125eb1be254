import type { TreeCipher } from "./tree-cipher.js";

export const SOPS_FORMATS = ["yaml", "json", "dotenv", "ini", "binary"] as const;
export type SopsFormat = (typeof SOPS_FORMATS)[number];

/**
 * One loaded file in one of sops' formats. Walking rewrites the values in place; `emit` prints
 * the file the way sops would (with or without metadata, depending on what was set).
 */
export interface SopsStore {
  readonly format: SopsFormat;
  /** The `sops` metadata as plain data, or undefined when the file has none. */
  metadata(): unknown;
  removeMetadata(): void;
  setMetadata(md: Record<string, unknown>): void;
  walk(cipher: TreeCipher): void;
  emit(): string;
  /** The data of each document (metadata included unless removed) as plain JSON-like values. */
  documents(): unknown[];
}

/** The format sops infers from a file name (anything else is the binary store). */
export function formatForPath(path: string): SopsFormat {
  const lower = path.toLowerCase();
  if (lower.endsWith(".yaml") || lower.endsWith(".yml")) return "yaml";
  if (lower.endsWith(".json")) return "json";
  if (lower.endsWith(".env")) return "dotenv";
  if (lower.endsWith(".ini")) return "ini";
  return "binary";
}

export function isSopsFormat(s: string): s is SopsFormat {
  return (SOPS_FORMATS as readonly string[]).includes(s);
}
