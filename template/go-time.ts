/**
 * Go's `time.Time` for the Sprig date functions, always in UTC: templates render on the hub and
 * on spokes, and the same repo must give the same output everywhere, so no host time zone leaks in.
 */
export class GoTime {
  /** Milliseconds since the Unix epoch. */
  readonly ms: number;

  constructor(ms: number) {
    this.ms = ms;
  }

  /** Go's `Time.String()`: `2006-01-02 15:04:05.999999999 -0700 MST`. */
  toGoString(): string {
    return formatGoTime(this, "2006-01-02 15:04:05.999999999 -0700 MST");
  }

  unix(): bigint {
    return BigInt(Math.floor(this.ms / 1000));
  }
}

const LONG_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const LONG_DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/** Go layout elements, longest first so `2006` wins over `2` and `January` over `Jan`. */
const ELEMENTS = [
  "Z07:00:00", "-07:00:00", "January", "Monday", "Z07:00", "-07:00", "Z0700", "-0700", "2006", "Z07", "-07",
  "Jan", "Mon", "MST", "002", "__2", "_2", "15", "01", "02", "03", "04", "05", "06", "PM", "pm", "1", "2", "3", "4", "5",
] as const;

function pad(n: number, width: number, ch = "0"): string {
  return String(n).padStart(width, ch);
}

/** Formats `t` with a Go reference-time layout (`2006-01-02T15:04:05Z07:00`). */
export function formatGoTime(t: GoTime, layout: string): string {
  const d = new Date(t.ms);
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth();
  const day = d.getUTCDate();
  const hour = d.getUTCHours();
  const nanos = (((t.ms % 1000) + 1000) % 1000) * 1_000_000;
  let out = "";
  let i = 0;
  outer: while (i < layout.length) {
    // Fractional seconds: ".000", ",999" after a seconds element or anywhere, as Go accepts.
    const c = layout[i];
    if ((c === "." || c === ",") && (layout[i + 1] === "0" || layout[i + 1] === "9")) {
      const digit = layout[i + 1];
      let j = i + 1;
      while (layout[j] === digit) j++;
      if (!/[0-9]/.test(layout[j] ?? "")) {
        const n = j - i - 1;
        let frac = pad(nanos, 9).slice(0, n);
        if (digit === "9") {
          frac = frac.replace(/0+$/, "");
          out += frac === "" ? "" : c + frac;
        } else out += c + frac;
        i = j;
        continue;
      }
    }
    for (const el of ELEMENTS) {
      if (!layout.startsWith(el, i)) continue;
      switch (el) {
        case "January": out += LONG_MONTHS[month]; break;
        case "Jan": out += (LONG_MONTHS[month] ?? "").slice(0, 3); break;
        case "Monday": out += LONG_DAYS[d.getUTCDay()]; break;
        case "Mon": out += (LONG_DAYS[d.getUTCDay()] ?? "").slice(0, 3); break;
        case "2006": out += pad(year, 4); break;
        case "06": out += pad(year % 100, 2); break;
        case "01": out += pad(month + 1, 2); break;
        case "1": out += String(month + 1); break;
        case "02": out += pad(day, 2); break;
        case "2": out += String(day); break;
        case "_2": out += pad(day, 2, " "); break;
        case "002": out += pad(dayOfYear(d), 3); break;
        case "__2": out += pad(dayOfYear(d), 3, " "); break;
        case "15": out += pad(hour, 2); break;
        case "03": out += pad(hour % 12 === 0 ? 12 : hour % 12, 2); break;
        case "3": out += String(hour % 12 === 0 ? 12 : hour % 12); break;
        case "04": out += pad(d.getUTCMinutes(), 2); break;
        case "4": out += String(d.getUTCMinutes()); break;
        case "05": out += pad(d.getUTCSeconds(), 2); break;
        case "5": out += String(d.getUTCSeconds()); break;
        case "PM": out += hour >= 12 ? "PM" : "AM"; break;
        case "pm": out += hour >= 12 ? "pm" : "am"; break;
        case "MST": out += "UTC"; break;
        case "Z07:00:00": case "Z07:00": case "Z0700": case "Z07": out += "Z"; break;
        case "-07:00:00": out += "+00:00:00"; break;
        case "-07:00": out += "+00:00"; break;
        case "-0700": out += "+0000"; break;
        case "-07": out += "+00"; break;
      }
      i += el.length;
      continue outer;
    }
    out += c;
    i++;
  }
  return out;
}

function dayOfYear(d: Date): number {
  const start = Date.UTC(d.getUTCFullYear(), 0, 1);
  return Math.floor((d.getTime() - start) / 86_400_000) + 1;
}
