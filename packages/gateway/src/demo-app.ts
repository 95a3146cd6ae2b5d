/**
 * The demo application `pnpm start` serves: it answers every request with the variables it
 * received, one `NAME: value` line each, in the order they came, then the body's length.
 */
import type { App } from "./server.js";

export const demoApp: App = async (env, body, context) => {
  let received = 0;
  for await (const chunk of body) received += chunk.length;
  const lines = [`envwire demo app: a request over ${context.protocol}, its variables in order:`, ""];
  for (const [name, value] of env) lines.push(`${name}: ${value}`);
  lines.push("", `body: ${received} bytes`, "");
  return { status: 200, headers: [["Content-Type", "text/plain; charset=utf-8"]], body: lines.join("\n") };
};
