#!/usr/bin/env node
// Entry point of the insightflow command. Runs on Node.js 24 (the project's own, first on the PATH of npm scripts
// and npx), which runs the TypeScript sources directly.
const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  process.stderr.write(
    `insightflow needs Node.js 24 or newer (this is ${process.version}); run it through npx or npm run.\n`,
  );
  process.exit(1);
}
await import('../src/cli/main.ts');
