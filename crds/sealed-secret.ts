import { sealedSecretSchema, sealedSecretSpecTemplateSchema, type SealedSecret, type SealedSecretSpecTemplate } from "./generated/sealed-secret.gen.js";
import { parseWith } from "./parse-with.js";

/** bitnami.com/v1alpha1 SealedSecret: generated from crds/sealed-secret.yaml. */
export { sealedSecretSchema, type SealedSecret };

/** `spec.template` of a SealedSecret (a FleetSealedSecret's template is the same less `metadata.finalizers`). */
export const secretTemplateSpecSchema = sealedSecretSpecTemplateSchema;
export type SecretTemplateSpec = SealedSecretSpecTemplate;

/** Validates an object as a SealedSecret; the error names the first offending field. */
export function parseSealedSecret(value: unknown, file?: string): SealedSecret {
  return parseWith(sealedSecretSchema, value, file);
}
