import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const root = join(import.meta.dirname, '..');

/** Builds the dashboard the API will serve, so the browser tier tests what `npm start` ships. */
export default async function setup(): Promise<void> {
  await exec(join(root, 'node_modules', '.bin', 'vite'), ['build', '--logLevel', 'warn'], {
    cwd: join(root, 'apps', 'dashboard'),
  });
}
