import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import type { GitCredentialEntry } from "./git-credentials.js";
import { GITOPS_ERROR, GitOpsError } from "./gitops-errors.js";

const entrySchema = z
  .object({
    url: z.string().min(1),
    username: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    passwordFile: z.string().min(1).optional(),
  })
  .strict()
  .refine((e) => (e.password === undefined) !== (e.passwordFile === undefined), { message: "give exactly one of password and passwordFile" });
const fileSchema = z.object({ credentials: z.array(entrySchema) }).strict();

/**
 * Reads a credentials file (YAML or JSON), Argo CD's repo-creds as a list:
 * `credentials: [{url, username?, password | passwordFile}]`. Each entry covers every repository
 * under its URL prefix; `passwordFile` (a token file, relative to this file) keeps the secret out
 * of the list. Messages name the file and entry, never a password.
 */
export async function loadGitCredentialsFile(file: string): Promise<GitCredentialEntry[]> {
  let raw: unknown;
  try {
    raw = parseYaml(await readFile(file, "utf8"));
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === "ENOENT" ? "the file does not exist" : "the file is not readable YAML";
    throw new GitOpsError(GITOPS_ERROR.credentials, `cannot read git credentials: ${why}`, { file });
  }
  const result = fileSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new GitOpsError(GITOPS_ERROR.credentials, issue?.message ?? "invalid git credentials file", { file, field: issue?.path.map(String).join(".") });
  }
  const entries: GitCredentialEntry[] = [];
  for (const [i, e] of result.data.credentials.entries()) {
    let password = e.password;
    if (e.passwordFile !== undefined) {
      try {
        password = (await readFile(resolve(dirname(file), e.passwordFile), "utf8")).trim();
      } catch {
        password = undefined;
      }
      if (password === undefined || password === "") {
        throw new GitOpsError(GITOPS_ERROR.credentials, "cannot read a non-empty password from passwordFile", { file, field: `credentials.${i}.passwordFile` });
      }
    }
    entries.push({ url: e.url, username: e.username, password: password ?? "", origin: { file, field: `credentials.${i}.url` } });
  }
  return entries;
}
