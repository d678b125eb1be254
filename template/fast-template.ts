import { TEMPLATE_ERROR, TemplateError } from "./template-errors.js";

const IS_TEMPLATED = /.*\{\{.*\}\}.*/;

/**
 * Argo CD's non-goTemplate rendering (valyala/fasttemplate with `{{` `}}`), as
 * `applicationset/utils.Render.Replace` does it: each `{{ tag }}` whose trimmed name is a string
 * parameter is replaced; an empty or unknown tag is written back unchanged, spaces included.
 * A `{{` without a closing `}}` is an error, as fasttemplate.NewTemplate reports it.
 */
export function renderFastTemplate(source: string, params: Readonly<Record<string, string>>): string {
  if (!IS_TEMPLATED.test(source)) return source;
  let out = "";
  let pos = 0;
  for (;;) {
    const start = source.indexOf("{{", pos);
    if (start < 0) return out + source.slice(pos);
    const end = source.indexOf("}}", start + 2);
    if (end < 0) {
      throw new TemplateError(
        TEMPLATE_ERROR.parse,
        `invalid template: Cannot find end tag="}}" in the template=${JSON.stringify(source)} starting from ${JSON.stringify(source.slice(start + 2))}`,
      );
    }
    out += source.slice(pos, start);
    const tag = source.slice(start + 2, end);
    const name = tag.trim();
    const value = Object.prototype.hasOwnProperty.call(params, name) ? params[name] : undefined;
    out += name.length === 0 || typeof value !== "string" ? `{{${tag}}}` : value;
    pos = end + 2;
  }
}
