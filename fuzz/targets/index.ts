// Every fuzz target, by name: what fuzz.test.ts runs and measure.run.ts measures.
import type { FuzzTarget } from "../runner.js";
import * as cgiResponse from "./cgi-response.js";
import * as cgiResponseLimits from "./cgi-response-limits.js";
import * as fastcgiRequest from "./fastcgi-request.js";
import * as fastcgiRequestLimits from "./fastcgi-request-limits.js";
import * as fastcgiResponse from "./fastcgi-response.js";
import * as fastcgiResponseLimits from "./fastcgi-response-limits.js";
import * as httpRequest from "./http-request.js";
import * as httpRequestKernels from "./http-request-kernels.js";
import * as httpRequestLimits from "./http-request-limits.js";
import * as httpRequestLlhttp from "./http-request-llhttp.js";
import * as httpResponse from "./http-response.js";
import * as httpResponseKernels from "./http-response-kernels.js";
import * as httpResponseLimits from "./http-response-limits.js";
import * as httpResponseLlhttp from "./http-response-llhttp.js";
import * as scgiRequest from "./scgi-request.js";
import * as scgiRequestKernels from "./scgi-request-kernels.js";
import * as scgiRequestLimits from "./scgi-request-limits.js";
import * as uwsgiRequest from "./uwsgi-request.js";
import * as uwsgiRequestLimits from "./uwsgi-request-limits.js";

export const targets: Record<string, FuzzTarget> = {
  "uwsgi-request": uwsgiRequest,
  "uwsgi-request-limits": uwsgiRequestLimits,
  "scgi-request": scgiRequest,
  "scgi-request-limits": scgiRequestLimits,
  "scgi-request-kernels": scgiRequestKernels,
  "fastcgi-request": fastcgiRequest,
  "fastcgi-request-limits": fastcgiRequestLimits,
  "fastcgi-response": fastcgiResponse,
  "fastcgi-response-limits": fastcgiResponseLimits,
  "http-request": httpRequest,
  "http-request-limits": httpRequestLimits,
  "http-request-llhttp": httpRequestLlhttp,
  "http-request-kernels": httpRequestKernels,
  "http-response": httpResponse,
  "http-response-limits": httpResponseLimits,
  "http-response-llhttp": httpResponseLlhttp,
  "http-response-kernels": httpResponseKernels,
  "cgi-response": cgiResponse,
  "cgi-response-limits": cgiResponseLimits,
};
