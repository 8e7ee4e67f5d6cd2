import { describe, expect, it } from 'vitest';
import { debianNeeds, planDebianInstall } from '../src/prerequisites.ts';

describe('planDebianInstall', () => {
  it('installs nothing when nothing is missing', () => {
    expect(planDebianInstall([], { isRoot: false, hasSudo: false, hasApt: false })).toEqual({ kind: 'none' });
  });

  it('installs with apt-get as root, with sudo when it needs no password, else says in one line what to install', () => {
    const missing = ['postgresql', 'chromium'];
    expect(planDebianInstall(missing, { isRoot: true, hasSudo: false, hasApt: true })).toEqual({
      kind: 'apt',
      packages: missing,
      sudo: false,
    });
    expect(planDebianInstall(missing, { isRoot: false, hasSudo: true, hasApt: true })).toEqual({
      kind: 'apt',
      packages: missing,
      sudo: true,
    });
    const told = planDebianInstall(missing, { isRoot: false, hasSudo: false, hasApt: true });
    expect(told.kind).toBe('tell');
    expect(told.kind === 'tell' && told.line).toBe(
      'npm test needs these Debian packages: postgresql chromium. Install them as root ' +
        '(apt-get update && apt-get install -y postgresql chromium), or run npm test as root and it will.',
    );
    expect(told.kind === 'tell' && told.line.includes('\n')).toBe(false);
    expect(planDebianInstall(missing, { isRoot: true, hasSudo: false, hasApt: false }).kind).toBe('tell');
  });

  it('knows every Debian package a tier needs', () => {
    expect(debianNeeds.map((need) => need.pkg).sort()).toEqual(
      [
        'chromium',
        'containernetworking-plugins',
        'curl',
        'iproute2',
        'ipset',
        'iptables',
        'mmdebstrap',
        'nftables',
        'postgresql',
        'python3-venv',
        'redis-server',
        'runc',
        'shellcheck',
        'socat',
      ].sort(),
    );
  });
});
