/**
 * The base of every error Flotilla reports to a user.
 *
 * `code` is stable (tests, scripts and the wire protocol match on it); `message` is for humans and
 * must never carry secret material; `file` and `field` point at the offending input.
 */
export interface FlotillaErrorOptions extends ErrorOptions {
  /** The file the bad input came from, relative to the repo or cwd where that makes sense. */
  readonly file?: string | undefined;
  /** A path to the offending field inside the file, e.g. `spec.generators[0]`. */
  readonly field?: string | undefined;
  /** True when the error is the user's (bad input, bad flag): the CLI prints no stack for these. */
  readonly userError?: boolean | undefined;
}

export class FlotillaError extends Error {
  readonly code: string;
  readonly file: string | undefined;
  readonly field: string | undefined;
  readonly userError: boolean;

  constructor(code: string, message: string, options: FlotillaErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "FlotillaError";
    this.code = code;
    this.file = options.file;
    this.field = options.field;
    this.userError = options.userError ?? true;
  }

  /** `message` with the location prefixed, the way compilers print it. */
  describe(): string {
    const where = [this.file, this.field].filter((part) => part !== undefined && part !== "").join(": ");
    return where === "" ? this.message : `${where}: ${this.message}`;
  }
}

export function isFlotillaError(err: unknown): err is FlotillaError {
  return err instanceof FlotillaError;
}

/** A short, secret-free description of an unknown thrown value (for wrapping third-party errors). */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
