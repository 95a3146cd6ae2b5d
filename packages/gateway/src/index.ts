// @envwire/gateway: the proxy, the application server and the dissector behind the
// `envwire` command, as functions. Exports are grouped by what they are for, not sorted.

// HTTP/1.1 in, one upstream out (uwsgi, FastCGI, SCGI or HTTP), as nginx does.
export { createProxy, type Gateway, type ProxyOptions } from "./proxy.js";
export { NGINX_PARAMS } from "./params.js";
export type { PassOptions } from "./pass.js";

// The same, as a handler in a server someone else runs: node:http (Express-style), or fetch-style.
export {
  createFetchHandler,
  createHandler,
  type FetchHandler,
  type FetchHandlerInfo,
  type HandlerOptions,
  type NodeHandler,
} from "./handler.js";

// One request to an application (php-fpm, uWSGI, an HTTP app), as the proxy sends it.
export {
  type Client,
  type ClientAnswer,
  type ClientOptions,
  type ClientRequestOptions,
  createClient,
} from "./client.js";
export { UpstreamError } from "./io.js";

// The application side: an app answering requests in any of the four protocols.
export { type App, type AppContext, type AppResponse, createServer, type ServerOptions } from "./server.js";
export { demoApp } from "./demo-app.js";
export type { BodyInit } from "./body.js";

// Addresses, as the command line writes them.
export { type Address, formatAddress, parseAddress, type Protocol } from "./address.js";

// The command itself.
export { main } from "./cli.js";
