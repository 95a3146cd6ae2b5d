import { do_not_optimize } from "mitata";

// Request fixtures shared by the benchmarks: the vars nginx sends through its stock
// uwsgi_params / fastcgi_params for an ordinary browser request.
/** @type {[string, string][]} */
export const nginxTypicalVars = [
  ["QUERY_STRING", "page=2&sort=desc"],
  ["REQUEST_METHOD", "GET"],
  ["CONTENT_TYPE", ""],
  ["CONTENT_LENGTH", ""],
  ["REQUEST_URI", "/articles/2024/envwire-benchmarks?page=2&sort=desc"],
  ["PATH_INFO", "/articles/2024/envwire-benchmarks"],
  ["DOCUMENT_ROOT", "/usr/share/nginx/html"],
  ["SERVER_PROTOCOL", "HTTP/1.1"],
  ["REQUEST_SCHEME", "https"],
  ["HTTPS", "on"],
  ["REMOTE_ADDR", "203.0.113.54"],
  ["REMOTE_PORT", "53122"],
  ["SERVER_PORT", "443"],
  ["SERVER_NAME", "www.example.com"],
  ["HTTP_HOST", "www.example.com"],
  ["HTTP_USER_AGENT", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"],
  ["HTTP_ACCEPT", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"],
  ["HTTP_ACCEPT_LANGUAGE", "en-US,en;q=0.5"],
  ["HTTP_ACCEPT_ENCODING", "gzip, deflate, br, zstd"],
  ["HTTP_COOKIE", "session=5f2b8c1e9a7d4e3f; theme=dark"],
  ["HTTP_REFERER", "https://www.example.com/articles/2024"],
];

/** About 60 KiB of vars: many headers and a long cookie, as a proxy sees from heavy clients. */
export function largeVars() {
  /** @type {[string, string][]} */
  const vars = [...nginxTypicalVars];
  for (let i = 0; vars.reduce((n, [k, v]) => n + 4 + k.length + v.length, 0) < 60_000; i++) {
    vars.push([
      `HTTP_X_CUSTOM_HEADER_${i}`,
      `value-${i}-${"abcdefghijklmnopqrstuvwxyz0123456789".repeat(8)}`,
    ]);
  }
  return vars;
}

/** Chunks of `size` bytes cut from `bytes` (views, made before timing starts). */
export function chunked(bytes, size) {
  const out = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

/** The parts, one after another in one new array (the fuzz targets' own, one implementation). */
export { concat } from "@envwire/environ/fuzz";

/** `set()` of `bytes` into a buffer made once: the cost of touching those bytes at all. */
export function floorOf(bytes) {
  const ready = new Uint8Array(bytes.length);
  return () => {
    ready.set(bytes);
    return do_not_optimize(ready);
  };
}
