// `casebender mock`: what it prints — the fault list, the start-up lines and key table, and the
// --print-env text.
import { resolve } from 'node:path';
import type { MockApp } from '../app.js';
import { keyStatus } from '../../contract/authenticate.js';
import { envLines, type Profile } from '../../contract/profile.js';
import { FAULTS } from '../faults/faults.js';
import { redactUrl } from '../store/redis/open-redis-store.js';
import type { MockCliOptions } from './parse.js';
import type { StartedMock } from './start.js';

/** --list-faults: a fault a line, with the requirements it breaks. */
export function faultLines(): string[] {
  const width = Math.max(...FAULTS.map((f) => f.name.length));
  const ids = Math.max(...FAULTS.map((f) => f.breaks.join(', ').length));
  return FAULTS.map((f) => `${f.name.padEnd(width)}  ${f.breaks.join(', ').padEnd(ids)}  ${f.description}`);
}

/**
 * The lines the first process says once it listens: where, the workers, the store, warnings, and
 * (without --quiet) the clock, the control API, the state, the profile and the key table.
 */
export function startupLines(options: MockCliOptions, started: StartedMock): string[] {
  const { app, server, profilePath } = started;
  const lines: string[] = [];
  const say = (line: string) => void lines.push(line);
  say(`casebender mock listening on ${server.baseUrl} (also ${server.origin}/api)`);
  for (const [i, url] of started.otherBaseUrls.entries()) say(`worker ${i + 1} listening on ${url}`);
  if (options.store !== 'memory') say(`store: ${redactUrl(options.store)}, shared by ${options.workers} process${options.workers > 1 ? 'es' : ''}; when unreachable: ${options.onStoreError === 'closed' ? '503' : 'answer from last reads'}`);
  if (options.faults.length > 0) say(`WARNING: broken on purpose (--fault ${options.faults.join(',')}): not a faithful mock`);
  if (started.shared !== undefined) {
    say(
      started.shared.role === 'joined'
        ? `joined the mock this store has held since ${started.shared.seededAt}: its keys, entities, rate limits, clock and control token are shared`
        : 'seeded this store (it held no mock); mocks started on it later join this one',
    );
  }
  const lost = app.seededKeys.filter((k) => k.material === undefined).map((k) => k.record.name);
  if (lost.length > 0 && started.shared?.role === 'joined') {
    const vouched = app.seededKeys.length - lost.length;
    say(`the seeded keys' material is in the profile of the replica that seeded the store (or give every replica the same --key-secret); this one can vouch for ${vouched} of ${app.seededKeys.length}${vouched > 0 ? ` (${app.seededKeys.filter((k) => k.material !== undefined).map((k) => k.record.name).join(', ')})` : ''}, and ${profilePath} lists only those`);
  } else if (lost.length > 0) {
    say(`WARNING: the material of ${lost.length} seeded key(s) (${lost.join(', ')}) was not in ${profilePath}; they still work for whoever holds them, but the profile lists only the others`);
  }
  if (!options.quiet) {
    say(`clock: ${app.clock.mode}, time scale ${app.clock.scale}; rate limits: ${app.model.policy.rateLimitAlgorithm}`);
    say(server.controlUrl === undefined ? 'control API: off' : `control API: ${server.controlUrl} (X-Mock-Token: ${app.controlToken ?? 'the shared one, in the profile of the replica that seeded the store'})`);
    if (options.data !== undefined) say(`state: ${resolve(options.data)} (${app.restored ? 'restored' : 'new'})`);
    say(`profile with the full keys: ${profilePath}${options.printEnv !== undefined && options.printEnv !== '-' ? `; as shell variables: ${resolve(options.printEnv)} (set -a; . ${options.printEnv}; set +a)` : options.printEnv === undefined ? ' (as shell variables: --print-env FILE)' : ''}\n`);
    say(keyTable(app));
  }
  return lines;
}

/** What --print-env writes: a header saying how to use it, then the assignments. */
export function envText(profile: Profile): string {
  return `# casebender mock keys (${new Date().toISOString()}); load with: set -a; . THIS-FILE; set +a\n${envLines(profile).join('\n')}\n`;
}

/**
 * The start-up table: a key a row, with its display prefix only (the material is in the profile).
 * Scope lists are whole, wrapped onto further lines under their column, never cut.
 */
export function keyTable(app: MockApp, width = 48): string {
  const now = app.clock.now();
  const rows = app.seededKeys.map(({ record }) => [
    record.name,
    record.kind,
    record.tier,
    record.scopes.length === 0 ? '(none)' : record.scopes.join(' '),
    `${record.tlpClearance}/${record.papClearance}`,
    keyStatus(record, now),
    record.prefix,
  ]);
  const header = ['name', 'kind', 'tier', 'scopes', 'tlp/pap', 'state', 'key prefix'];
  const SCOPES = 3;
  /** The scope list as lines of at most `width` characters, broken between scopes. */
  const wrap = (text: string): string[] => {
    const lines: string[] = [];
    for (const word of text.split(' ')) {
      const last = lines.at(-1);
      if (last !== undefined && last.length + 1 + word.length <= width) lines[lines.length - 1] = `${last} ${word}`;
      else lines.push(word);
    }
    return lines;
  };
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (i === SCOPES ? Math.max(...wrap(r[i]!).map((l) => l.length)) : r[i]!.length))));
  const line = (r: readonly string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const out = [line(header)];
  for (const r of rows) {
    const [first, ...more] = wrap(r[SCOPES]!);
    out.push(line(r.map((c, i) => (i === SCOPES ? first! : c))));
    for (const scopes of more) out.push(line(r.map((_c, i) => (i === SCOPES ? scopes : ''))));
  }
  return out.join('\n');
}
