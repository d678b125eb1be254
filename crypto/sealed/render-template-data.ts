import { SEALED_ERROR, SealedSecretsError } from "./sealed-errors.js";

/**
 * Renders one `spec.template.data` value: a Go text/template executed against the decrypted items
 * (as strings) with the Sprig functions the controller allows. Placeholder until template/ lands:
 * fails safe with a clear error instead of emitting an unrendered value.
 */
export function renderTemplateItem(key: string, source: string, _data: Readonly<Record<string, string>>): string {
  void source;
  throw new SealedSecretsError(SEALED_ERROR.template, `item "${key}": spec.template.data needs the Go template engine, which is not available yet`, {
    item: key,
    field: `spec.template.data.${key}`,
  });
}
