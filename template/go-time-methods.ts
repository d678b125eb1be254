import type { GoTime} from "./go-time.js";
import { formatGoTime } from "./go-time.js";

/**
 * The `time.Time` methods templates call (`{{ now.Unix }}`, `{{ (now).Format "2006" }}`).
 * Throws a TypeError for a method time.Time does not have.
 */
export function callTimeMethod(t: GoTime, name: string, args: readonly unknown[]): unknown {
  const d = new Date(t.ms);
  const noArgs = (v: unknown): unknown => {
    if (args.length !== 0) throw new Error(`wrong number of args for ${name}: want 0 got ${args.length}`);
    return v;
  };
  switch (name) {
    case "Unix":
      return noArgs(t.unix());
    case "UnixMilli":
      return noArgs(BigInt(Math.floor(t.ms)));
    case "UnixNano":
      return noArgs(BigInt(Math.floor(t.ms)) * 1_000_000n);
    case "Year":
      return noArgs(BigInt(d.getUTCFullYear()));
    case "Month":
      return noArgs(BigInt(d.getUTCMonth() + 1));
    case "Day":
      return noArgs(BigInt(d.getUTCDate()));
    case "Hour":
      return noArgs(BigInt(d.getUTCHours()));
    case "Minute":
      return noArgs(BigInt(d.getUTCMinutes()));
    case "Second":
      return noArgs(BigInt(d.getUTCSeconds()));
    case "UTC":
    case "Local":
      return noArgs(t);
    case "String":
      return noArgs(t.toGoString());
    case "Format": {
      const layout = args[0];
      if (args.length !== 1 || typeof layout !== "string") throw new Error("wrong number of args for Format: want 1 got " + String(args.length));
      return formatGoTime(t, layout);
    }
    default:
      throw new TypeError(name);
  }
}
