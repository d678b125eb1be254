/**
 * The forms in which a leaked secret value would show up in text: as it is, upper- and lower-case,
 * hex (either case), base64 and base64url (with and without padding). A leak check looks for each.
 */
export function plaintextForms(value: string): string[] {
  const bytes = Buffer.from(value, "utf8");
  const b64 = bytes.toString("base64");
  const forms = [value, value.toUpperCase(), value.toLowerCase(), bytes.toString("hex"), bytes.toString("hex").toUpperCase(), b64, b64.replace(/=+$/, ""), bytes.toString("base64url")];
  return [...new Set(forms)];
}

/** Each (value, form) pair of `values` found in `text`, for an assertion that names what leaked. */
export function findPlaintextLeaks(text: string, values: Readonly<Record<string, string>>): string[] {
  const leaks: string[] = [];
  for (const [label, value] of Object.entries(values)) {
    for (const form of plaintextForms(value)) if (text.includes(form)) leaks.push(`${label} as ${JSON.stringify(form)}`);
  }
  return leaks;
}
