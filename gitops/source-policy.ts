import { GITOPS_ERROR, GitOpsError } from "./gitops-errors.js";

/** A repository an ApplicationSet is about to read, asked before any fetch. */
export interface SourceRequest {
  readonly repoURL: string;
  readonly appSet: string;
  /**
   * The Application's project; undefined for a git generator whose template's project is itself
   * a template (the policy must then hold for every project the apps could name).
   */
  readonly project: string | undefined;
}

/** Why `request` may not be read (a message naming the rule), or undefined when it may. */
export type SourcePolicy = (request: SourceRequest) => string | undefined;

/** Throws GITOPS_SOURCE_NOT_PERMITTED when `request` may not be read. */
export type SourceGate = (request: SourceRequest, where: { file?: string; field: string }) => void;

/**
 * Checks a policy and throws GITOPS_SOURCE_NOT_PERMITTED, remembering answers: the same
 * (appSet, project, repoURL) is asked once per render, not once per app.
 */
export function sourceGate(policy: SourcePolicy | undefined): SourceGate {
  if (policy === undefined) return () => undefined;
  const answers = new Map<string, string | undefined>();
  return (request, where) => {
    const key = `${request.appSet}\0${request.project ?? "\u0001"}\0${request.repoURL}`;
    let reason: string | undefined;
    if (answers.has(key)) reason = answers.get(key);
    else {
      reason = policy(request);
      answers.set(key, reason);
    }
    if (reason !== undefined) throw new GitOpsError(GITOPS_ERROR.sourceNotPermitted, `${reason}; nothing was fetched`, where);
  };
}
