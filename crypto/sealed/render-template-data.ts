import type { Clock } from "../../core/index.js";
import { isTemplateError, renderTemplate } from "../../template/index.js";
import { SEALED_ERROR, SealedSecretsError } from "./sealed-errors.js";

/**
 * Renders one `spec.template.data` value the way the controller does: Go text/template named after
 * the item, Sprig minus env/expandenv/getHostByName, default missingkey (a missing item prints
 * "<no value>"), executed against the decrypted items as strings.
 */
export function renderTemplateItem(key: string, source: string, data: Readonly<Record<string, string>>, clock?: Clock): string {
  try {
    return renderTemplate(source, data, { name: key, functionSet: "sealed-secrets", missingKey: "default", ...(clock === undefined ? {} : { clock }) });
  } catch (err) {
    if (!isTemplateError(err)) throw err;
    // A template can put a decrypted value into its own error (`fail`, `required`, printf of a
    // bad type): scrub every item value before the message leaves this module.
    throw new SealedSecretsError(SEALED_ERROR.template, `item "${key}": ${scrub(err.message, data)}`, {
      item: key,
      field: `spec.template.data.${key}`,
    });
  }
}

function scrub(message: string, data: Readonly<Record<string, string>>): string {
  let out = message;
  const values = Object.values(data).filter((v) => v.length >= 3).sort((a, b) => b.length - a.length);
  for (const value of values) {
    out = out.split(value).join("[REDACTED]");
    const b64 = Buffer.from(value).toString("base64");
    out = out.split(b64).join("[REDACTED]");
  }
  return out;
}
