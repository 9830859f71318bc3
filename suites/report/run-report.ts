// The whole result of a run as one JSON document (schema: fixtures/report.schema.json): target,
// profile summary without key material, versions, seed, per-requirement results with evidence,
// the rate-limit load's timelines. Everything in it has passed through the redactor.
import { existsSync, readFileSync } from 'node:fs';
import type { CheckResult, Level, Result } from '../harness/check.js';
import type { Exchange } from '../harness/http-client.js';
import type { ResolvedProfile } from '../harness/load-profile.js';
import type { Redactor } from '../harness/redact.js';
import { REQUIREMENT_TEXT } from '../../contract/index.js';

// The package's own package.json: two levels up from suites/report/, three from dist/suites/report/.
const PACKAGE_JSON = ['../../package.json', '../../../package.json'].map((up) => new URL(up, import.meta.url)).find((url) => existsSync(url) && !url.pathname.endsWith('/dist/package.json'))!;
const PACKAGE = JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { name: string; version: string };

export const RESULT_ORDER: readonly Result[] = ['fail', 'warn', 'differs', 'pass', 'skipped'];

export interface EvidenceReport {
  summary: string;
  expected?: string;
  why?: string;
  request?: { method: string; url: string; headers: [string, string][]; body?: string };
  response?: { status: number; headers: Record<string, string[]>; bodyExcerpt: string };
  curl?: string;
}

export interface CheckReport {
  title: string;
  level: Level;
  result: Result;
  ms: number;
  note?: string;
  reason?: string;
  evidence?: EvidenceReport;
}

export interface RequirementReport {
  id: string;
  level: Level;
  text: string;
  result: Result;
  /** Set when a baseline accepts this requirement's deviation. */
  baseline?: string;
  checks: CheckReport[];
}

export interface RunReport {
  schemaVersion: 1;
  tool: { name: string; version: string; node: string };
  startedAt: string;
  finishedAt: string;
  target: { baseUrl: string; kind: 'embedded' | 'external' };
  profile: { source: string; keys: { name: string; kind: string; tier: string; scopes: string[]; state: string; tlpClearance?: number; papClearance?: number }[]; entities: number; policy: Record<string, unknown>; timeScale: number };
  options: { strict: boolean; full: boolean; seed: number; only?: string[]; skip?: string[]; budget: number };
  requests: number;
  conformant: boolean;
  counts: Record<Result, number>;
  requirements: RequirementReport[];
  baseline?: { file: string; accepted: string[]; stale: { requirement: string; target: string }[] };
  load?: unknown;
  /** Set by `npm run mutation` (suites/mutation): the suites' score against the mock's faults. */
  mutation?: MutationReport;
}

export interface MutationReport {
  scope: 'full' | 'quick';
  faults: number;
  detected: number;
  misattributions: number;
  /** Faults whose first run missed or misattributed and whose second run did not (timing on a busy machine). */
  unstable?: number;
  falseFailures: string[];
  /** Requirements a first run of the clean mock blamed and a second did not. */
  cleanUnstable?: string[];
  seconds?: number;
  faultResults: { name: string; description?: string; breaks: string[]; blamed: string[]; detected: boolean; missed: string[]; misattributed: string[]; unstable?: string[]; runs: ('functional' | 'limits')[]; seconds?: number; evidence?: string[] }[];
}

/** A `curl` line that sends the same request (keys appear redacted: put yours in their place). */
export function curlOf(exchange: Exchange): string {
  const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  const parts = ['curl', '-sS', '-i', '-X', exchange.probe.method, q(exchange.url)];
  for (const [n, v] of exchange.probe.headers ?? []) parts.push('-H', q(`${n}: ${v.length > 300 ? v.slice(0, 300) + '…' : v}`));
  if (exchange.probe.body !== undefined) parts.push('--data-raw', q(exchange.probe.body.length > 2000 ? exchange.probe.body.slice(0, 2000) + '…' : exchange.probe.body));
  return parts.join(' ');
}

function evidenceOf(result: CheckResult): EvidenceReport | undefined {
  if (result.verdict.outcome !== 'violation') return undefined;
  const e = result.verdict.evidence;
  const out: EvidenceReport = { summary: e.summary };
  if (e.expected !== undefined) out.expected = e.expected;
  if (e.why !== undefined) out.why = e.why;
  if (e.exchange !== undefined) {
    const x = e.exchange;
    out.request = { method: x.probe.method, url: x.url, headers: (x.probe.headers ?? []).map(([n, v]) => [n, v.length > 300 ? v.slice(0, 300) + '…' : v]) };
    if (x.probe.body !== undefined) out.request.body = x.probe.body.length > 2000 ? x.probe.body.slice(0, 2000) + '…' : x.probe.body;
    out.response = { status: x.status, headers: { ...x.headers } as Record<string, string[]>, bodyExcerpt: x.body.length > 1000 ? x.body.slice(0, 1000) + '…' : x.body };
    out.curl = curlOf(x);
  }
  return out;
}

/** The worst result of a requirement's checks; skipped only when every one of them was. */
export function worst(results: readonly Result[]): Result {
  return results.reduce<Result>((w, r) => (RESULT_ORDER.indexOf(r) < RESULT_ORDER.indexOf(w) ? r : w), 'skipped');
}

export function buildRunReport(input: {
  results: readonly CheckResult[];
  profile: ResolvedProfile;
  targetKind: 'embedded' | 'external';
  startedAt: Date;
  options: RunReport['options'];
  requests: number;
  conformant: boolean;
  redact: Redactor;
  load?: unknown;
  baseline?: { file: string; accepts: (requirement: string) => string | undefined; stale: { requirement: string; target: string }[] };
}): RunReport {
  const byId = new Map<string, CheckResult[]>();
  for (const r of input.results) byId.set(r.requirement, [...(byId.get(r.requirement) ?? []), r]);
  const requirements: RequirementReport[] = [...byId].map(([id, checks]) => {
    const result = worst(checks.map((c) => c.result));
    const accepted = result === 'pass' || result === 'skipped' ? undefined : input.baseline?.accepts(id);
    return {
      id,
      level: checks[0]!.level,
      text: REQUIREMENT_TEXT.get(id) ?? '',
      result,
      ...(accepted !== undefined ? { baseline: accepted } : {}),
      checks: checks.map((c) => {
        const report: CheckReport = { title: c.title, level: c.level, result: c.result, ms: Math.round(c.ms) };
        if (c.verdict.outcome === 'pass' && c.verdict.note !== undefined) report.note = c.verdict.note;
        if (c.verdict.outcome === 'skipped') report.reason = c.verdict.reason;
        const evidence = evidenceOf(c);
        if (evidence !== undefined) report.evidence = evidence;
        return report;
      }),
    };
  });
  const counts = Object.fromEntries(RESULT_ORDER.map((r) => [r, requirements.filter((q) => q.result === r).length])) as Record<Result, number>;
  const p = input.profile;
  const report: RunReport = {
    schemaVersion: 1,
    tool: { name: PACKAGE.name, version: PACKAGE.version, node: process.version },
    startedAt: input.startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    target: { baseUrl: p.target.baseUrl, kind: input.targetKind },
    profile: {
      source: p.source,
      keys: p.keys.map((k) => ({ name: k.name, kind: k.kind, tier: k.tier, scopes: [...k.scopes], state: k.state ?? 'active', ...(k.tlpClearance !== undefined ? { tlpClearance: k.tlpClearance } : {}), ...(k.papClearance !== undefined ? { papClearance: k.papClearance } : {}) })),
      entities: p.entities?.length ?? 0,
      policy: { ...(p.policy ?? {}) },
      timeScale: p.clock?.timeScale ?? 1,
    },
    options: input.options,
    requests: input.requests,
    conformant: input.conformant,
    counts,
    requirements,
    ...(input.baseline !== undefined ? { baseline: { file: input.baseline.file, accepted: requirements.filter((r) => r.baseline !== undefined).map((r) => r.id), stale: input.baseline.stale } } : {}),
    ...(input.load !== undefined ? { load: input.load } : {}),
  };
  // Keys never leave the run: the whole document passes through the redactor.
  return JSON.parse(input.redact(JSON.stringify(report))) as RunReport;
}
