#!/usr/bin/env -S node --
// Shim: Node version guard, a fast --version, then the CLI.
import { readFileSync } from 'node:fs';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  process.stderr.write(
    `alexa-link needs Node.js 20.19 or newer; this is ${process.versions.node}.\n` +
      'Install a current LTS from https://nodejs.org or with your version manager (nvm install --lts).\n',
  );
  process.exit(1);
}

// A closed pipe (alexa-link doctor | head) is not an error worth a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`${pkg.version}\n`);
} else {
  // Node 22.1+ caches compiled code between runs; older Node has no such API.
  const { enableCompileCache } = await import('node:module');
  enableCompileCache?.();
  const { main } = await import('../dist/cli.js');
  process.exitCode = await main(process.argv);
}
