import { describe, expect, it } from "vitest";
import { GitCredentials, parseRemoteRepoURL, urlPrefixMatches } from "./git-credentials.js";

const ORG_TOKEN = "org-token-0123456789";
const FLEET_TOKEN = "fleet-token-0123456789";

function store(allowInsecureHttp = false): GitCredentials {
  return new GitCredentials({
    allowInsecureHttp,
    entries: [
      { url: "https://git.example.com/org", password: ORG_TOKEN },
      { url: "https://git.example.com/org/team", username: "team-bot", password: "team-token" },
      { url: "https://git.example.com/platform/fleet.git", password: FLEET_TOKEN, exact: true },
    ],
  });
}

describe("repository URLs", () => {
  it("canonicalises host case, default ports, trailing slashes and .git", () => {
    const a = parseRemoteRepoURL("HTTPS://Git.Example.COM:443/org/app.git/");
    expect(a).toMatchObject({ scheme: "https", host: "git.example.com", port: "", path: "/org/app" });
    expect(a.href).toBe("https://git.example.com/org/app.git");
    expect(parseRemoteRepoURL("http://127.0.0.1:8080/x").port).toBe("8080");
  });

  it.each([
    ["userinfo", "https://git.example.com@evil.io/org/app"],
    ["user and password", "https://u:p@git.example.com/org/app"],
    ["an empty userinfo", "https://@evil.io/org/app"],
    ["a query", "https://git.example.com/org/app?x=1"],
    ["a fragment", "https://evil.io#git.example.com/org"],
    ["a backslash", "https://git.example.com\\@evil.io/org"],
    ["whitespace", "https://git.example.com /org"],
    ["another scheme", "ssh://git@git.example.com/org/app"],
    ["file", "file:///srv/git/secret"],
  ])("refuses a URL with %s (GITOPS_REPO_URL)", (_why, url) => {
    expect(() => parseRemoteRepoURL(url)).toThrow(expect.objectContaining({ code: "GITOPS_REPO_URL" }));
  });

  it("matches prefixes on path segments, host and port exactly", () => {
    const prefix = parseRemoteRepoURL("https://git.example.com/org");
    const m = (url: string): boolean => urlPrefixMatches(prefix, parseRemoteRepoURL(url));
    expect(m("https://git.example.com/org/app")).toBe(true);
    expect(m("https://git.example.com/org")).toBe(true);
    expect(m("https://GIT.example.com:443/org/app.git")).toBe(true);
    expect(m("https://git.example.com/org-evil/app")).toBe(false);
    expect(m("https://git.example.com.evil.io/org/app")).toBe(false);
    expect(m("https://git.example.com:8443/org/app")).toBe(false);
    expect(m("http://git.example.com/org/app")).toBe(false);
    // `..` is resolved before matching: this is /evil, not under /org.
    expect(m("https://git.example.com/org/../evil/app")).toBe(false);
    expect(m("https://git.example.com/%6frg/app")).toBe(false);
  });
});

describe("credentials by longest URL prefix", () => {
  it("gives the longest matching entry, and nothing to other hosts or paths", () => {
    const creds = store();
    expect(creds.lookup("https://git.example.com/org/app")).toEqual({ username: "x-access-token", password: ORG_TOKEN });
    expect(creds.lookup("https://git.example.com/org/team/app.git")).toEqual({ username: "team-bot", password: "team-token" });
    expect(creds.lookup("https://git.example.com/platform/fleet")).toEqual({ username: "x-access-token", password: FLEET_TOKEN });
    for (const url of [
      "https://git.example.com/platform/fleet-evil",
      "https://git.example.com/platform/fleet/sub",
      "https://git.example.com/org-evil/app",
      "https://git.example.com.evil.io/org/app",
      "https://git.example.com@evil.io/org/app",
      "https://evil.io/git.example.com/org/app",
      "https://git.example.com:444/org/app",
      "http://git.example.com/org/app",
      "not a url",
      "/srv/git/org/app",
    ]) {
      expect(creds.lookup(url), url).toBeUndefined();
    }
  });

  it("refuses an http:// entry without the opt-in, and sends nothing over http even with it unless an http entry covers the URL", () => {
    expect(() => new GitCredentials({ entries: [{ url: "http://127.0.0.1:9000/", password: "t" }] })).toThrow(
      expect.objectContaining({ code: "GITOPS_GIT_CREDENTIALS", message: expect.stringContaining("plain http") as unknown }),
    );
    const insecure = new GitCredentials({ allowInsecureHttp: true, entries: [{ url: "http://127.0.0.1:9000/fleet", password: "t" }, { url: "https://h/org", password: "s" }] });
    expect(insecure.lookup("http://127.0.0.1:9000/fleet")).toEqual({ username: "x-access-token", password: "t" });
    expect(insecure.lookup("http://127.0.0.1:9001/fleet")).toBeUndefined();
    expect(insecure.lookup("http://localhost:9000/fleet")).toBeUndefined();
    expect(insecure.lookup("http://h/org/app")).toBeUndefined();
  });

  it("refuses duplicate prefixes, userinfo and empty passwords, naming the entry and never the password", () => {
    const dup = (): GitCredentials => new GitCredentials({ entries: [{ url: "https://h/org", password: "a" }, { url: "https://H/org/", password: "b", origin: { file: "creds.yaml", field: "credentials.1.url" } }] });
    expect(dup).toThrow(expect.objectContaining({ code: "GITOPS_GIT_CREDENTIALS", file: "creds.yaml", field: "credentials.1.url" }));
    expect(() => new GitCredentials({ entries: [{ url: "https://user:secret-pw@h/org", password: "a" }] })).toThrow(
      expect.objectContaining({ code: "GITOPS_GIT_CREDENTIALS", message: expect.not.stringContaining("secret-pw") as unknown }),
    );
    expect(() => new GitCredentials({ entries: [{ url: "https://h/org", password: "" }] })).toThrow(expect.objectContaining({ code: "GITOPS_GIT_CREDENTIALS" }));
  });
});
