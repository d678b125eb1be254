import { describe, expect, it } from "vitest";
import { describeNatsConnectError } from "./nats-connect-diagnosis.js";

describe("describeNatsConnectError", () => {
  it("names the flag to fix for a rejected client certificate, without OpenSSL's address and source path", () => {
    const err = new Error("803C86A1C97F0000:error:0A000412:SSL routines:ssl3_read_bytes:sslv3 alert bad certificate:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 42");
    expect(describeNatsConnectError(err)).toBe(
      "the NATS server rejected this client's TLS certificate, or wants one: pass --tls-cert and --tls-key signed by the CA it trusts (SSL routines:ssl3_read_bytes:sslv3 alert bad certificate: SSL alert number 42)",
    );
  });

  it("points at --tls-ca when the server's certificate is not trusted", () => {
    expect(describeNatsConnectError(new Error("unable to verify the first certificate"))).toMatch(/^the NATS server's TLS certificate is not trusted: pass the CA that signed it with --tls-ca \(unable to verify the first certificate\)$/);
    expect(describeNatsConnectError(new Error("self-signed certificate in certificate chain"))).toMatch(/--tls-ca/);
  });

  it("points at the credentials for an authorization violation, and leaves other errors as they are", () => {
    expect(describeNatsConnectError(new Error("Authorization Violation"))).toMatch(/^the NATS server refused this client's credentials \(--nkey or --creds\)/);
    expect(describeNatsConnectError(new Error("connect ECONNREFUSED 127.0.0.1:4222"))).toBe("connect ECONNREFUSED 127.0.0.1:4222");
  });
});
