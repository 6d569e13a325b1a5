/** The `postkontor` executable (through bin/postkontor.js, or `tsx src/cli/main.ts`). */
import { runCli } from './run.ts';

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
});
process.exitCode = code;
