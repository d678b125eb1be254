import { BUNDLE_HEALTH_VERSION, bundleHealthV1Schema, type Bundle } from "./schemas.js";

/** What a spoke takes from a bundle's `health` field. */
export type BundleHealthRead =
  | { readonly kind: "none" }
  | { readonly kind: "lua"; readonly overrides: Readonly<Record<string, string>>; readonly files: Readonly<Record<string, string>> }
  /** A version this spoke does not know, or a malformed field: rate with the built-in rules and report it. */
  | { readonly kind: "unsupported"; readonly message: string };

/** Reads `bundle.health` (docs/protocol.md); never throws, so a bad field never costs the bundle. */
export function readBundleHealth(bundle: Bundle): BundleHealthRead {
  const health = bundle.health;
  if (health === undefined) return { kind: "none" };
  if (health.version !== BUNDLE_HEALTH_VERSION) {
    return { kind: "unsupported", message: `bundle health version ${String(health.version)} is not supported by this spoke (it knows ${String(BUNDLE_HEALTH_VERSION)}); objects are rated with the built-in rules` };
  }
  const parsed = bundleHealthV1Schema.safeParse(health);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { kind: "unsupported", message: `bundle health: ${issue === undefined ? "malformed" : `${issue.path.join(".")}: ${issue.message}`}` };
  }
  return { kind: "lua", overrides: parsed.data.lua.overrides, files: parsed.data.lua.files };
}
