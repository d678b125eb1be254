import { createPrivateKey, createPublicKey, generateKeyPairSync, X509Certificate, type KeyObject } from "node:crypto";
import bcryptjs from "bcryptjs";
import { describe, expect, it } from "vitest";
import type { Clock } from "../core/index.js";
import { BudgetExceededError, ExecBudget, parseTemplate, renderTemplate, TemplateError, type FunctionSet, type RandomSource } from "./index.js";

/**
 * The Sprig functions Helm charts use that the ApplicationSet set long lacked: semver, url, toDate,
 * durationRound, crypto, random, and the `helm` / `sprig` function sets. Cases are written from the
 * Go sources (Masterminds/sprig v3.3, Masterminds/semver v3.3); the upstream test tables run in
 * scripts/conformance/sprig/sprig-tables.ts.
 */

const NOW = Date.UTC(2026, 10, 23, 8, 52, 43, 123);
const clock: Clock = { now: () => NOW, sleep: () => Promise.resolve() };

/** Counting bytes (0, 1, 2, ...) and keys made once per file: deterministic and fast. */
function fixedRandom(): RandomSource {
  let next = 0;
  const keys = new Map<string, KeyObject>();
  return {
    bytes: (n) => Uint8Array.from({ length: n }, () => next++ & 0xff),
    privateKey: (algorithm) => {
      let k = keys.get(algorithm);
      if (k === undefined) {
        // One 2048-bit RSA key stands for both sizes: the tests check forms, not key strength.
        if (algorithm.startsWith("rsa")) k = keys.get("rsa") ?? generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
        else if (algorithm === "ecdsa-p256") k = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
        // 1024-bit DSA keeps the test fast; the PEM form does not depend on the size.
        else if (algorithm === "dsa-2048-256") k = generateKeyPairSync("dsa", { modulusLength: 1024, divisorLength: 160 }).privateKey;
        else k = generateKeyPairSync("ed25519").privateKey;
        if (algorithm.startsWith("rsa")) keys.set("rsa", k);
        keys.set(algorithm, k);
      }
      return k;
    },
  };
}

const random = fixedRandom();
const run = (src: string, data: unknown = {}, functionSet: FunctionSet = "helm"): string =>
  renderTemplate(src, data, { name: "t", clock, random, functionSet, missingKey: "default" });
const fails = (src: string, data: unknown = {}): TemplateError => {
  try {
    run(src, data);
  } catch (err) {
    if (err instanceof TemplateError) return err;
    throw err;
  }
  throw new Error(`expected ${src} to fail`);
};

describe("semver", () => {
  it("returns a version object with fields, methods and Go's printing", () => {
    expect(run('{{ $v := semver "v1.2.3-beta.1+c0ff33" }}{{ $v.Major }} {{ $v.Minor }} {{ $v.Patch }} {{ $v.Prerelease }} {{ $v.Metadata }} {{ $v.Original }} {{ $v }}')).toBe(
      "1 2 3 beta.1 c0ff33 v1.2.3-beta.1+c0ff33 1.2.3-beta.1+c0ff33",
    );
    expect(run('{{ (semver "1.2").String }}')).toBe("1.2.0");
    expect(run('{{ (semver "v1.2.3-rc.1").IncPatch }} {{ (semver "v1.2.3").IncPatch.Original }} {{ (semver "1.2.3").IncMinor }} {{ (semver "1.2.3").IncMajor }}')).toBe("1.2.3 v1.2.4 1.3.0 2.0.0");
    expect(run('{{ semver "1.2.3" | (semver "1.3.3").Compare }} {{ (semver "1.2.3").LessThan (semver "1.10.0") }} {{ (semver "1.0.0-alpha").GreaterThan (semver "1.0.0-alpha.1") }}')).toBe("1 true false");
    expect(run('{{ (semver "1.0.0+a").Equal (semver "1.0.0+b") }} {{ typeOf (semver "1.0.0") }} {{ kindOf (semver "1.0.0") }} {{ toJson (semver "v2") }}')).toBe('true *semver.Version ptr "2.0.0"');
    expect(run('{{ ((semver "1.2.3").SetPrerelease "rc.1").Original }}')).toBe("1.2.3-rc.1");
  });

  it("orders prereleases as Masterminds does (numeric parts below alphanumeric ones)", () => {
    const order = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0"];
    for (let i = 0; i + 1 < order.length; i++) expect(run(`{{ (semver "${order[i]}").LessThan (semver "${order[i + 1]}") }}`)).toBe("true");
  });

  it("rejects what Masterminds rejects, with its messages", () => {
    expect(fails('{{ semver "1.2.3.4" }}').message).toContain("error calling semver: Invalid Semantic Version");
    expect(fails('{{ semver "1.2.3-01" }}').message).toContain("Version segment starts with 0");
    expect(fails('{{ semver "99999999999999999999" }}').message).toContain("value out of range");
    expect(fails('{{ semverCompare "> = 1" "1.0.0" }}').message).toContain("improper constraint: > = 1");
    expect(fails('{{ semverCompare ">1" "x" }}').message).toContain("Invalid Semantic Version");
    expect(fails('{{ semverCompare "" "1.0.0" }}').message).toContain("improper constraint: ");
    expect(fails('{{ (semver "1.0.0").LessThan "2.0.0" }}').message).toContain("expected *semver.Version; got string");
    expect(fails('{{ (semver "1.0.0").Nope }}').message).toContain("can't evaluate field Nope in type *semver.Version");
  });

  // Each row: constraint, version, Masterminds' answer (npm semver differs on the marked ones).
  const table: ReadonlyArray<readonly [string, string, boolean]> = [
    [">=1.21.0-0", "v1.30.1-eks-1", true], // npm: false (prerelease on another tuple)
    [">=1.21", "1.30.1-eks-1", false], // a prerelease needs a constraint with one
    [">=1.21.0-0", "1.20.9", false],
    ["<1.25.0-0", "1.24.9-gke.100", true],
    ["^1.2.3", "1.9.9", true],
    ["^1.2.3", "2.0.0", false],
    ["^0.2.3", "0.2.9", true],
    ["^0.2.3", "0.3.0", false],
    ["^0.0.3", "0.0.4", false],
    ["^0", "0.9.0", true],
    ["~1.2.3", "1.2.9", true],
    ["~1.2.3", "1.3.0", false],
    ["~1", "1.9.0", true],
    ["~>2.0", "2.0.9", true],
    ["1.2.x", "1.2.7", true],
    ["1.2", "1.2.7", true], // npm: same, but via a different rule
    ["=1.x", "1.9.0", true],
    [">1.2", "1.2.9", false], // npm: true
    [">1.2", "1.3.0", true],
    [">11", "11.1.0", false], // npm: true
    ["<=1.2", "1.2.9", true], // npm: true as well; "<=1.2" is the whole 1.2 series
    ["<=1.2.3", "1.2.4", false],
    ["!=1.2.x", "1.2.5", false],
    ["!=1.2.x", "1.3.0", true],
    ["1.1 - 1.3", "1.3.9", true],
    ["1.1 - 1.3", "1.4.0", false],
    [">=1.0, <2.0", "1.5.0", true],
    [">=1.0 <2.0", "2.0.0", false],
    ["<1.0 || >=2.1", "2.1.0", true],
    ["<1.0 || >=2.1", "1.5.0", false],
    ["=>1.0", "1.0.0", true],
    ["=<1.0", "1.0.0", true],
    ["*", "0.0.1", true],
    ["x", "1.0.0-beta", false],
    ["1.2.3", "v1.2.3", true],
    ["1.2.3", "1.2.3+build.7", true],
  ];
  it.each(table)("semverCompare %j %j is %s", (constraint, version, want) => {
    expect(run(`{{ semverCompare ${JSON.stringify(constraint)} ${JSON.stringify(version)} }}`)).toBe(String(want));
  });

  it("checks .Capabilities.KubeVersion the way charts write it", () => {
    const data = { Capabilities: { KubeVersion: { Version: "v1.32.2-eks-bc803b4", GitVersion: "v1.32.2-eks-bc803b4" } } };
    expect(run('{{ if semverCompare ">=1.19-0" .Capabilities.KubeVersion.GitVersion }}networking.k8s.io/v1{{ else }}extensions/v1beta1{{ end }}', data)).toBe("networking.k8s.io/v1");
    expect(run('{{ semverCompare ">=1.19" .Capabilities.KubeVersion.GitVersion }}', data)).toBe("false");
  });
});

describe("urlParse and urlJoin", () => {
  it("split a URL as Go's net/url does", () => {
    expect(run('{{ $u := urlParse "proto://user:passwor%20d@host:80/pa%20th?key=val%20ue#frag" }}{{ $u.scheme }}|{{ $u.userinfo }}|{{ $u.host }}|{{ $u.hostname }}|{{ $u.path }}|{{ $u.query }}|{{ $u.fragment }}|{{ $u.opaque }}')).toBe(
      "proto|user:passwor%20d|host:80|host|/pa th|key=val%20ue|frag|",
    );
    expect(run('{{ urlParse "something" }}')).toBe("map[fragment: host: hostname: opaque: path:something query: scheme: userinfo:]");
    expect(run('{{ (urlParse "mailto:a@b.c").opaque }} {{ (urlParse "http://[::1]:8080/x").hostname }}')).toBe("a@b.c ::1");
  });

  it("join a dict back, round-tripping Go's output", () => {
    expect(run('{{ urlJoin (dict "fragment" "fragment" "host" "host:80" "path" "/path" "scheme" "proto" "userinfo" "ASDJKJSD") }}')).toBe("proto://ASDJKJSD@host:80/path#fragment");
    for (const u of ["proto://auth@host:80/path?query#fragment", "proto://host:80/path", "something", "proto://user:passwor%20d@host:80/path", "proto://host:80/pa%20th?key=val%20ue"]) {
      expect(run(`{{ urlParse ${JSON.stringify(u)} | urlJoin }}`)).toBe(u);
    }
  });

  it("report bad input as errors", () => {
    expect(fails('{{ urlParse "http://x/%zz" }}').message).toContain('unable to parse url: parse "http://x/%zz": invalid URL escape "%zz"');
    expect(fails('{{ urlParse ":nope" }}').message).toContain("missing protocol scheme");
    expect(fails('{{ urlJoin (dict "host" 5) }}').message).toContain("unable to parse host key, must be of type string, but int found");
  });
});

describe("dates", () => {
  it("toDate parses Go layouts, mustToDate fails where toDate gives the zero time", () => {
    expect(run('{{ toDate "2006-01-02" "2017-12-31" | date "02/01/2006" }}')).toBe("31/12/2017");
    expect(run('{{ (toDate "2006-01-02T15:04:05Z07:00" "2024-02-29T23:30:00+02:00").Unix }}')).toBe(String(Date.UTC(2024, 1, 29, 21, 30) / 1000));
    expect(run('{{ toDate "2006-01-02" "not a date" }}')).toBe("0001-01-01 00:00:00 +0000 UTC");
    expect(fails('{{ mustToDate "2006-01-02" "2017-13-01" }}').message).toContain("error calling mustToDate: parsing time");
  });

  it("dateModify and mustDateModify take a time.Time and a Go duration", () => {
    expect(run('{{ toDate "2006-01-02" "2020-01-01" | dateModify "-1.5h" | date "2006-01-02 15:04" }}')).toBe("2019-12-31 22:30");
    expect(run('{{ toDate "2006-01-02" "2020-01-01" | dateModify "nonsense" | date "2006-01-02" }}')).toBe("2020-01-01");
    expect(fails('{{ toDate "2006-01-02" "2020-01-01" | mustDateModify "1f" }}').message).toContain('time: invalid duration "1f"');
    expect(fails('{{ dateModify "1h" .s }}', { s: "2020-01-01" }).message).toContain("wrong type for value; expected time.Time; got string");
    expect(fails('{{ dateModify "1h" "2020-01-01" }}').message).toContain('can\'t handle "2020-01-01" for arg of type time.Time');
  });

  it("durationRound keeps the largest whole unit", () => {
    expect(run('{{ durationRound "2h5s" }} {{ durationRound "24h5s" }} {{ durationRound "2400h5s" }} {{ durationRound "9000h" }} {{ durationRound "-3m" }} {{ durationRound "1s" }} {{ durationRound 1.5 }}')).toBe("2h 1d 3mo 1y 3m 0s 0s");
    expect(run("{{ durationRound .t }}", { t: new (class {})() })).toBe("0s");
  });
});

describe("fixes from the issue", () => {
  it("rest and initial of an empty list print []", () => {
    expect(run("{{ list | rest }} {{ list | initial }} {{ list 1 | rest | len }}")).toBe("[] [] 0");
  });

  it("camelcase follows xstrings.ToPascalCase", () => {
    expect(run('{{ camelcase "_complex__case_" }} {{ camelcase "http_server" }} {{ camelcase "_camel_case" }} {{ camelcase "all" }} {{ camelcase "a b-c" }}')).toBe("_Complex_Case_ HttpServer _CamelCase All ABC");
  });
});

describe("crypto", () => {
  it("derivePassword gives the Master Password algorithm's passwords", () => {
    // Published Master Password (v3) outputs for user "user", password "password", site "example.com".
    expect(run('{{ derivePassword 1 "long" "password" "user" "example.com" }}')).toBe("ZedaFaxcZaso9*");
    expect(run('{{ derivePassword 2 "long" "password" "user" "example.com" }}')).toBe("Fovi2@JifpTupx");
    expect(run('{{ derivePassword 1 "pin" "password" "user" "example.com" }}')).toBe("6685");
    expect(run('{{ derivePassword 1 "nope" "password" "user" "example.com" }}')).toBe("cannot find password template nope");
  });

  it("encryptAES writes base64(IV ‖ AES-256-CBC(PKCS#7)) that openssl agrees with, and decryptAES reads it", () => {
    const seq: RandomSource = { bytes: (n) => Uint8Array.from({ length: n }, (_, i) => i), privateKey: () => { throw new Error("unused"); } };
    // `printf plaintext | openssl enc -aes-256-cbc -K <"secretkey" zero-padded> -iv 000102...0f | base64`
    const opensslCiphertext = Buffer.from("hoKEiSp+EuCWaYdJeUDqvQ==", "base64");
    const expected = Buffer.concat([Buffer.from(Array.from({ length: 16 }, (_, i) => i)), opensslCiphertext]).toString("base64");
    expect(renderTemplate('{{ encryptAES "secretkey" "plaintext" }}', {}, { random: seq, functionSet: "helm" })).toBe(expected);
    expect(run(`{{ decryptAES "secretkey" ${JSON.stringify(expected)} }}`)).toBe("plaintext");
    expect(run('{{ "ünïcödé and more than one block" | encryptAES "k" | decryptAES "k" }}')).toBe("ünïcödé and more than one block");
    expect(run('{{ encryptAES "k" "" }}|{{ decryptAES "k" "" }}')).toBe("|");
  });

  it("decryptAES reports bad input without echoing the key or the ciphertext", () => {
    for (const bad of ["!!!!", "AAAA", Buffer.alloc(40).toString("base64")]) {
      const err = fails("{{ decryptAES .key .data }}", { key: "hunter2-key", data: bad });
      expect(err.code).toBe("TEMPLATE_EXEC");
      expect(err.message).not.toContain("hunter2");
      if (bad.length > 4) expect(err.message).not.toContain(bad);
    }
  });

  it("genPrivateKey writes Go's PEM forms", () => {
    expect(run('{{ genPrivateKey "rsa" }}')).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n[\s\S]+-----END RSA PRIVATE KEY-----\n$/);
    expect(run('{{ genPrivateKey "ecdsa" }}')).toMatch(/^-----BEGIN EC PRIVATE KEY-----\n/);
    const ed = run('{{ genPrivateKey "ed25519" }}');
    expect(ed).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(createPrivateKey(ed).asymmetricKeyType).toBe("ed25519");
    expect(run('{{ genPrivateKey "bad" }}')).toBe("Unknown type bad");
    const dsa = run('{{ genPrivateKey "dsa" }}');
    expect(dsa).toMatch(/^-----BEGIN DSA PRIVATE KEY-----\n/);
    // OpenSSL reads Go's form; the key it holds is the one drawn (y = g^x mod p computed right).
    const parsed = createPrivateKey(dsa);
    expect(parsed.asymmetricKeyType).toBe("dsa");
    expect(parsed.export({ type: "pkcs8", format: "pem" })).toBe(random.privateKey("dsa-2048-256").export({ type: "pkcs8", format: "pem" }));
    const spki = (k: KeyObject): string => createPublicKey(k).export({ type: "spki", format: "pem" }).toString();
    expect(spki(parsed)).toBe(spki(random.privateKey("dsa-2048-256")));
    expect(fails(`{{ genCAWithKey "ca" 1 ${JSON.stringify(dsa)} }}`).message).toContain("error creating certificate: x509: unsupported key type dsa");
  });

  it("genCA, genSelfSignedCert and genSignedCert build certificates a TLS stack accepts", () => {
    const out = run(
      '{{ $ca := genCA "foo-ca" 365 }}{{ $c := genSignedCert "foo.com" (list "10.0.0.1" "10.0.0.2") (list "bar.com" "bat.com") 30 $ca }}{{ $s := genSelfSignedCert "self" nil (list "self.local") 1 }}' +
        '{{ $ca.Cert }}@@@{{ $c.Cert }}@@@{{ $c.Key }}@@@{{ $s.Cert }}',
    );
    const [caPem = "", certPem = "", keyPem = "", selfPem = ""] = out.split("@@@");
    const ca = new X509Certificate(caPem);
    const cert = new X509Certificate(certPem);
    const self = new X509Certificate(selfPem);
    expect(ca.subject).toBe("CN=foo-ca");
    expect(ca.ca).toBe(true);
    expect(ca.verify(ca.publicKey)).toBe(true);
    expect(new Date(ca.validFrom).getTime()).toBe(Math.floor(NOW / 1000) * 1000);
    expect(new Date(ca.validTo).getTime()).toBe(Math.floor(NOW / 1000) * 1000 + 365 * 86_400_000);
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.subjectAltName).toBe("DNS:bar.com, DNS:bat.com, IP Address:10.0.0.1, IP Address:10.0.0.2");
    expect(cert.keyUsage).toEqual(expect.arrayContaining(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]));
    expect(cert.checkPrivateKey(createPrivateKey(keyPem))).toBe(true);
    expect(keyPem).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    expect(self.verify(self.publicKey)).toBe(true);
    expect(self.subjectAltName).toBe("DNS:self.local");
  });

  it("the *WithKey variants certify the given key; bad arguments are errors", () => {
    const out = run('{{ $k := genPrivateKey "rsa" }}{{ $ca := genCAWithKey "ca" 1 $k }}{{ $ca.Key | trim }}==={{ $k | trim }}');
    const [a, b] = out.split("===");
    expect(a).toBe(b);
    expect(fails('{{ genCAWithKey "ca" 1 "not a key" }}').message).toContain("parsing private key: no PEM data in input");
    expect(fails('{{ genSignedCert "x" nil nil 1 "not a cert" }}').message).toContain("expected sprig.certificate; got string");
    expect(fails('{{ genSelfSignedCert "x" (list "not-an-ip") nil 1 }}').message).toContain("error parsing ip: not-an-ip");
    expect(fails('{{ genSelfSignedCert "x" (list 5) nil 1 }}').message).toContain("error parsing ip: 5 is not a string");
  });

  it.each(["ecdsa", "ed25519", "rsa"])("certifies and signs with %s keys as Go does (genCAWithKey, genSignedCertWithKey)", (algo) => {
    const out = run(
      `{{ $ca := genPrivateKey "${algo}" | genCAWithKey "foo-ca" 365 }}{{ $k := genPrivateKey "ecdsa" }}` +
        '{{ $c := genSignedCertWithKey "foo.com" (list "10.0.0.1") (list "bar.com") 30 $ca $k }}{{ $s := genPrivateKey "ed25519" | genSelfSignedCertWithKey "self" nil nil 1 }}' +
        "{{ $ca.Cert }}@@@{{ $c.Cert }}@@@{{ $s.Cert }}@@@{{ $ca.Key }}",
    );
    const [caPem = "", certPem = "", selfPem = "", caKey = ""] = out.split("@@@");
    const ca = new X509Certificate(caPem);
    const cert = new X509Certificate(certPem);
    const self = new X509Certificate(selfPem);
    expect(ca.ca).toBe(true);
    expect(ca.verify(ca.publicKey)).toBe(true);
    expect(ca.checkPrivateKey(createPrivateKey(caKey))).toBe(true);
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.publicKey.asymmetricKeyType).toBe("ec");
    expect(cert.subjectAltName).toBe("DNS:bar.com, IP Address:10.0.0.1");
    expect(self.verify(self.publicKey)).toBe(true);
    expect(self.publicKey.asymmetricKeyType).toBe("ed25519");
    // The CA's subject key id is the signed certificate's authority key id (Go links them the same way).
    expect(cert.toLegacyObject().ext_key_usage).toEqual(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]);
  });

  it("a loop of expensive calls stops at the time budget after one call, not after thousands", () => {
    let t = 0;
    // Each clock read advances 1 s; the budget allows 2.5 s.
    const budget = new ExecBudget({ now: () => (t += 1000), total: { timeoutMs: 2500 } });
    let calls = 0;
    const counting: RandomSource = { bytes: (n) => random.bytes(n), privateKey: (a) => { calls++; return random.privateKey(a); } };
    const tpl = parseTemplate('{{ range until 1000 }}{{ genPrivateKey "ecdsa" | len }}{{ end }}', { random: counting, functionSet: "helm" });
    expect(() => tpl.execute({}, budget)).toThrow(BudgetExceededError);
    expect(calls).toBeLessThanOrEqual(2);
    expect(fails('{{ genCA "x" 9999999 }}').message).toContain("x509: invalid validity: 9999999 days");
  });

  it("buildCustomCert checks and returns the pair", () => {
    const ca = run('{{ $ca := genCA "x" 1 }}{{ $ca.Cert | b64enc }} {{ $ca.Key | b64enc }}').split(" ");
    expect(run(`{{ (buildCustomCert ${JSON.stringify(ca[0])} ${JSON.stringify(ca[1])}).Cert | b64enc }}`)).toBe(ca[0]);
    expect(fails(`{{ buildCustomCert ${JSON.stringify(Buffer.from("fail").toString("base64"))} ${JSON.stringify(ca[1])} }}`).message).toContain("unable to decode certificate");
  });

  it("bcrypt and htpasswd give hashes bcrypt verifies", () => {
    const hash = run('{{ "abc" | bcrypt }}');
    expect(hash).toMatch(/^\$2a\$10\$/);
    expect(bcryptjs.compareSync("abc", hash)).toBe(true);
    const [user, h = ""] = run('{{ htpasswd "myUser" "myPassword" }}').split(":");
    expect(user).toBe("myUser");
    expect(bcryptjs.compareSync("myPassword", h)).toBe(true);
    expect(run('{{ htpasswd "wrongus:er" "x" }}')).toBe("invalid username: wrongus:er");
  });
});

describe("random functions draw from the injected source", () => {
  const seq = (): RandomSource => {
    let i = 0;
    return { bytes: (n) => Uint8Array.from({ length: n }, () => i++ & 0xff), privateKey: () => { throw new Error("unused"); } };
  };
  const r = (src: string): string => renderTemplate(src, {}, { random: seq(), functionSet: "helm" });

  it("gives lengths and alphabets as Sprig does, repeatably for a fixed source", () => {
    expect(r("{{ randAlphaNum 12 }}")).toMatch(/^[A-Za-z0-9]{12}$/);
    expect(r("{{ randAlpha 7 }}")).toMatch(/^[A-Za-z]{7}$/);
    expect(r("{{ randNumeric 9 }}")).toMatch(/^[0-9]{9}$/);
    expect(r("{{ randAscii 30 }}")).toMatch(/^[ -~]{30}$/);
    expect(r("{{ randAlphaNum 12 }}")).toBe(r("{{ randAlphaNum 12 }}"));
    expect(r("{{ uuidv4 }}")).toBe("00010203-0405-4607-8809-0a0b0c0d0e0f");
    expect(r("{{ randBytes 4 }}")).toBe(Buffer.from([0, 1, 2, 3]).toString("base64"));
    expect(Number(r("{{ randInt 10 13 }}"))).toBeGreaterThanOrEqual(10);
    expect([...r('{{ shuffle "Hello World" }}')].sort().join("")).toBe([..."Hello World"].sort().join(""));
  });

  it("refuses impossible arguments", () => {
    expect(() => r("{{ randInt 5 5 }}")).toThrow("invalid argument to Intn");
    expect(() => r("{{ randAlpha -1 }}")).toThrow("less than 0");
  });
});

describe("function sets", () => {
  it("helm has Sprig without env and expandenv, and refuses getHostByName with its own code", () => {
    expect(() => run('{{ env "HOME" }}')).toThrow('function "env" not defined');
    expect(() => run('{{ expandenv "$HOME" }}')).toThrow('function "expandenv" not defined');
    const err = fails('{{ getHostByName "example.com" }}');
    expect(err.code).toBe("TEMPLATE_FUNCTION_REFUSED");
    expect(err.message).toContain("network lookups are refused during a render");
    expect(() => run("{{ toYaml . }}")).toThrow('function "toYaml" not defined');
  });

  it("argocd and sealed-secrets have no getHostByName; argocd keeps its extras", () => {
    expect(() => run('{{ getHostByName "x" }}', {}, "argocd")).toThrow('function "getHostByName" not defined');
    expect(() => run('{{ getHostByName "x" }}', {}, "sealed-secrets")).toThrow('function "getHostByName" not defined');
    expect(run('{{ semverCompare "^1" "1.5.0" }} {{ normalize "A_b" }}', {}, "argocd")).toBe("true a-b");
  });
});
