import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { cgiNameToHeader, headerToCgiName, WELL_KNOWN_CGI_NAMES } from "../src/index.js";

describe("CGI names", () => {
  it("maps header fields to meta-variables", () => {
    expect(headerToCgiName("Content-Type")).toBe("CONTENT_TYPE");
    expect(headerToCgiName("content-length")).toBe("CONTENT_LENGTH");
    expect(headerToCgiName("X-Forwarded-For")).toBe("HTTP_X_FORWARDED_FOR");
    expect(headerToCgiName("host")).toBe("HTTP_HOST");
    expect(headerToCgiName("Content-MD5")).toBe("HTTP_CONTENT_MD5");
  });

  it("maps meta-variables back to header fields", () => {
    expect(cgiNameToHeader("HTTP_X_FORWARDED_FOR")).toBe("X-Forwarded-For");
    expect(cgiNameToHeader("CONTENT_TYPE")).toBe("Content-Type");
    expect(cgiNameToHeader("CONTENT_LENGTH")).toBe("Content-Length");
    expect(cgiNameToHeader("HTTP_HOST")).toBe("Host");
    expect(cgiNameToHeader("HTTP_WWW_AUTHENTICATE")).toBe("Www-Authenticate");
    expect(cgiNameToHeader("HTTP_x_lower")).toBe("X-Lower");
  });

  it("maps request variables that are not headers to nothing", () => {
    for (const n of ["REQUEST_METHOD", "SERVER_NAME", "HTTP_", "HTTPS", "PATH_INFO"]) {
      expect(cgiNameToHeader(n), n).toBeUndefined();
    }
  });

  it("documents the collisions that make the mapping irreversible", () => {
    expect(headerToCgiName("X_Foo")).toBe(headerToCgiName("X-Foo"));
    expect(cgiNameToHeader(headerToCgiName("X_Foo"))).toBe("X-Foo");
  });

  it("lists only names that are valid and distinct", () => {
    expect(new Set(WELL_KNOWN_CGI_NAMES).size).toBe(WELL_KNOWN_CGI_NAMES.length);
    for (const n of WELL_KNOWN_CGI_NAMES) expect(n).toMatch(/^[A-Z][A-Z0-9_]*$/);
  });
});

const token = fc.stringMatching(/^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$/);
test.prop([token])("header → CGI → header is the same field, case aside", (field) => {
  const back = cgiNameToHeader(headerToCgiName(field));
  expect(back?.toLowerCase()).toBe(field.toLowerCase());
});
