import { parse as parseYaml } from "yaml";
import { ApiStatusError, badRequest, unsupportedMediaType } from "./api-status.js";

export const MEDIA = {
  json: "application/json",
  yaml: "application/yaml",
  jsonPatch: "application/json-patch+json",
  mergePatch: "application/merge-patch+json",
  strategicMergePatch: "application/strategic-merge-patch+json",
  applyPatch: "application/apply-patch+yaml",
  protobuf: "application/vnd.kubernetes.protobuf",
} as const;

/** The media type without parameters, lower-cased. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

/**
 * Decodes a request body as the apiserver would: JSON, or YAML for the YAML media types; protobuf
 * and anything else are refused with 415 (clients then print the apiserver's message).
 */
export function decodeBody(body: string | undefined, contentType: string | undefined, accepted: readonly string[]): unknown {
  const media = mediaType(contentType);
  if (!accepted.includes(media)) throw unsupportedMediaType(media, accepted);
  if (body === undefined || body.trim() === "") throw badRequest("the body of the request was empty");
  if (media === MEDIA.yaml || media === MEDIA.applyPatch) {
    try {
      return parseYaml(body, { maxAliasCount: 100 }) as unknown;
    } catch (err) {
      throw new ApiStatusError("BadRequest", `error decoding YAML: ${err instanceof Error ? err.message.split("\n")[0] ?? "" : "invalid YAML"}`);
    }
  }
  try {
    return JSON.parse(body) as unknown;
  } catch (err) {
    throw new ApiStatusError("BadRequest", `the body of the request could not be decoded: json parse error: ${err instanceof Error ? err.message : "invalid JSON"}`);
  }
}
