import type { MissingKey } from "./exec.js";
import { TEMPLATE_ERROR, TemplateError } from "./template-errors.js";

/**
 * Go's `Template.Option` strings, as ApplicationSets carry them in `spec.goTemplateOptions`
 * (e.g. `["missingkey=error"]`). With no option Go (and so Argo CD) uses `missingkey=default`;
 * `invalid` is Go's other name for `default`. The last option wins, as with repeated Option calls.
 */
export function missingKeyFromGoTemplateOptions(options: readonly string[]): MissingKey {
  let missingKey: MissingKey = "default";
  for (const option of options) {
    const m = /^missingkey=(invalid|default|zero|error)$/.exec(option);
    if (m === null) {
      throw new TemplateError(TEMPLATE_ERROR.option, `unrecognized option: ${option}`, { field: "goTemplateOptions" });
    }
    missingKey = m[1] === "invalid" ? "default" : (m[1] as MissingKey);
  }
  return missingKey;
}
