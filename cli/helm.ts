import type { CommandRegistrar } from "./context.js";
import { registerHelmDependency } from "./helm-dependency.js";
import { registerHelmTemplate } from "./helm-template.js";

/** `flotilla helm ...`: Helm's commands run in process (no helm binary). */
export const registerHelm: CommandRegistrar = (program, ctx) => {
  const helm = program.command("helm").description("Helm charts rendered in process: `flotilla helm template` prints what `helm template` prints");
  registerHelmTemplate(helm, ctx);
  registerHelmDependency(helm, ctx);
};
