// The public face of every package, one API report per entry point in its package.json `exports`
// ("./package.json" aside), made by API Extractor from the built dist/*.d.ts (run `pnpm build`
// first) and checked in under api/ as <package-dir>[.<subpath>].api.md, so that a change to what a
// package exports is a visible diff in review.
//
//   node scripts/api-report.mjs            compare with api/; fail, with the diff, if one differs
//   node scripts/api-report.mjs --update   rewrite api/ after an intended change
//
// Only the report is made (no .d.ts rollup, no doc model). Release tags are not used, so
// ae-missing-release-tag is off; ae-forgotten-export (a public type refers to one the entry point
// does not export) is written into the report as a comment, where review sees it, without failing
// the run. Doc comments are the READMEs' business, not the report's: ae-undocumented and TSDoc's
// syntax messages are off. Any other message from API Extractor or the compiler fails the run. Another package's types
// are referred to by import (`@envwire/environ`), not copied in: bundledPackages stays empty.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { CompilerState, Extractor, ExtractorConfig } from "@microsoft/api-extractor";

const root = resolve(import.meta.dirname, "..");
const reportFolder = join(root, "api");
const update = process.argv.includes("--update");
const scratch = mkdtempSync(join(tmpdir(), "envwire-api-"));

const changed = []; // [report file, diff]
const problems = [];
const reports = [];
const entries = []; // { pkg, subpath, projectFolder, reportFile, config, ambient }
try {
  mkdirSync(reportFolder, { recursive: true });
  for (const dir of readdirSync(join(root, "packages")).sort()) {
    const projectFolder = join(root, "packages", dir);
    const packageJsonFullPath = join(projectFolder, "package.json");
    const pkg = JSON.parse(readFileSync(packageJsonFullPath, "utf8"));
    if (pkg.private) continue;
    for (const [subpath, target] of Object.entries(pkg.exports ?? {})) {
      if (subpath === "./package.json") continue;
      const types = typeof target === "string" ? target : target.types;
      if (typeof types !== "string" || !types.endsWith(".d.ts")) {
        problems.push(`${pkg.name} exports "${subpath}" without a .d.ts "types" condition`);
        continue;
      }
      const reportName = subpath === "." ? dir : `${dir}.${subpath.slice(2).replaceAll("/", ".")}`;
      const reportFile = `${reportName}.api.md`;
      reports.push(reportFile);
      const entry = join(projectFolder, types);
      if (!existsSync(entry)) {
        problems.push(`${pkg.name} "${subpath}": ${types} is not built (run pnpm build first)`);
        continue;
      }
      // The ambient types the package builds with (Node's, for the gateway).
      const ambient =
        JSON.parse(readFileSync(join(projectFolder, "tsconfig.json"), "utf8")).compilerOptions?.types ?? [];
      const config = ExtractorConfig.prepare({
        configObjectFullPath: undefined,
        packageJsonFullPath,
        configObject: {
          projectFolder,
          mainEntryPointFilePath: entry,
          bundledPackages: [],
          newlineKind: "lf",
          compiler: {
            // Only the entry's .d.ts and what it imports; NodeNext resolves @envwire/* through
            // the workspace links to their dist/ by the same `exports` users get.
            overrideTsconfig: {
              compilerOptions: {
                target: "ES2022",
                lib: ["ES2022", "DOM"],
                module: "NodeNext",
                moduleResolution: "NodeNext",
                strict: true,
                types: ambient,
              },
              files: [entry],
            },
          },
          apiReport: {
            enabled: true,
            reportFileName: reportName,
            reportFolder,
            reportTempFolder: scratch,
          },
          docModel: { enabled: false },
          dtsRollup: { enabled: false },
          tsdocMetadata: { enabled: false },
          messages: {
            compilerMessageReporting: { default: { logLevel: "error" } },
            extractorMessageReporting: {
              default: { logLevel: "error" },
              "ae-missing-release-tag": { logLevel: "none" },
              "ae-forgotten-export": { logLevel: "none", addToApiReportFile: true },
              "ae-undocumented": { logLevel: "none" },
            },
            tsdocMessageReporting: { default: { logLevel: "none" } },
          },
        },
      });
      entries.push({ pkg, subpath, projectFolder, reportFile, config, ambient: ambient.join() });
    }
  }
  // One TypeScript program for all the entry points built with the same ambient types: one
  // each parsed the same lib files seven times over (27 s of a 30 s run, on 2 cores).
  const programs = new Map();
  for (const { config, ambient } of entries) {
    if (programs.has(ambient)) continue;
    const all = entries.filter((e) => e.ambient === ambient).map((e) => e.config.mainEntryPointFilePath);
    programs.set(ambient, CompilerState.create(config, { additionalEntryPoints: all }));
  }
  for (const { pkg, subpath, projectFolder, reportFile, config, ambient } of entries) {
    let diff = existsSync(join(reportFolder, reportFile)) ? "" : "(no report yet)";
    let reportChanged = false;
    Extractor.invoke(config, {
      compilerState: programs.get(ambient),
      localBuild: update,
      printApiReportDiff: true,
      messageCallback(message) {
        message.handled = true;
        const { messageId, logLevel, text } = message;
        if (messageId === "console-api-report-diff") {
          diff = text
            .replace(join(reportFolder, reportFile), `api/${reportFile} (checked in)`)
            .replace(join(scratch, reportFile), `api/${reportFile} (from the build)`);
        } else if (messageId.startsWith("console-api-report-")) {
          if (messageId !== "console-api-report-unchanged") reportChanged = true;
        } else if (logLevel === "error" || (logLevel === "warning" && message.category !== "Console")) {
          problems.push(`${pkg.name} "${subpath}": ${message.formatMessageWithLocation(projectFolder)}`);
        }
      },
    });
    if (reportChanged) changed.push([reportFile, diff]);
  }
  // A report whose entry point is gone is stale.
  for (const file of readdirSync(reportFolder).filter((f) => f.endsWith(".api.md"))) {
    if (reports.includes(file)) continue;
    if (update) rmSync(join(reportFolder, file));
    changed.push([file, "no entry point makes this report any more (removed by --update)"]);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

if (problems.length) {
  console.error(`api-report: API Extractor could not read the public face:\n  ${problems.join("\n  ")}`);
  process.exitCode = 1;
} else if (update) {
  console.log(
    changed.length
      ? `api-report: rewrote ${changed.map(([f]) => `api/${f}`).join(", ")}`
      : `api-report: ${reports.length} reports unchanged`,
  );
} else if (changed.length) {
  for (const [file, diff] of changed) console.error(`api/${file} differs from the public face:\n${diff}\n`);
  console.error(
    "api-report: a public face changed (above). If the change is intended, run `pnpm api-report --update` " +
      "and commit the api/ changes with it; otherwise undo the change to the package's exports.",
  );
  process.exitCode = 1;
} else {
  console.log(`api-report: ${reports.length} reports match api/`);
}
