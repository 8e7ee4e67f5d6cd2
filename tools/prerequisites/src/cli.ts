// `npm test` runs this first (the pretest script): it installs what the test tiers need and the
// machine lacks, so the README's test command works on a fresh machine, then the tests run.
import { ensurePrerequisites } from './prerequisites.ts';

const started = Date.now();
ensurePrerequisites((line) => console.log(`[prerequisites] ${line}`)).then(
  (ok) => {
    if (!ok) process.exit(1);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(`[prerequisites] ready (${seconds} s)`);
  },
  (error: unknown) => {
    console.error(`[prerequisites] ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
