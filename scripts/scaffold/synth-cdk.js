// Synthesizes many CDK starters' compiled apps (infra/dist/bin/app.js) in one Node process, so
// aws-cdk-lib is loaded once rather than once per starter. Run by check-cdk:
//
//   node synth-cdk.js DIR...
//
// Each app runs as `cdk synth -c stage=staging` would run it: CDK_OUTDIR and CDK_CONTEXT_JSON
// are set before its App is built, with bundling skipped (no Docker, nothing downloaded). The
// App's init hook hands over each App, which is synthesized at once; a failure is printed after
// the starter's folder and the next app still runs. Exits 1 when any failed.
"use strict";
const path = require("node:path");

const apps = [];
globalThis[Symbol.for("@aws-cdk/core.App#initHook")] = (app) => apps.push(app);

let failed = 0;
for (const dir of process.argv.slice(2)) {
  const infra = path.resolve(dir, "infra");
  process.env.CDK_OUTDIR = path.join(infra, "cdk.out");
  process.env.CDK_CONTEXT_JSON = JSON.stringify({ "aws:cdk:bundling-stacks": [], stage: "staging" });
  process.chdir(infra);
  const before = apps.length;
  try {
    require(path.join(infra, "dist", "bin", "app.js"));
    if (apps.length !== before + 1) {
      throw new Error(`the app built ${apps.length - before} CDK Apps, not one`);
    }
    apps[apps.length - 1].synth();
  } catch (e) {
    failed += 1;
    for (const line of String(e && e.stack ? e.stack : e).split("\n")) {
      console.log(`${dir}: ${line}`);
    }
  }
}
process.exitCode = failed ? 1 : 0;
