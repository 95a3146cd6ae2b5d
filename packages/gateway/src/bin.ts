#!/usr/bin/env node
// The `envwire` command (see cli.ts).
import { run, UsageError } from "./cli.js";

run().catch((error: unknown) => {
  console.error(`envwire: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(error instanceof UsageError || error instanceof TypeError ? 2 : 1);
});
