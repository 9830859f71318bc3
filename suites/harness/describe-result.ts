// One readable paragraph per result, for test output and the CLI (always passed through the redactor).
import type { CheckResult } from './check.js';

export function describeResult(result: CheckResult): string {
  const head = `${result.result.toUpperCase()} ${result.requirement} (${result.level}): ${result.title}`;
  const v = result.verdict;
  if (v.outcome === 'pass') return v.note === undefined ? head : `${head} — ${v.note}`;
  if (v.outcome === 'skipped') return `${head} — skipped: ${v.reason}`;
  const e = v.evidence;
  const lines = [head, `  ${e.summary}`];
  if (e.expected !== undefined) lines.push(`  expected: ${e.expected}`);
  if (e.why !== undefined) lines.push(`  why: ${e.why}`);
  if (e.exchange !== undefined) {
    const x = e.exchange;
    lines.push(`  request: ${x.probe.method} ${x.url}`);
    for (const [n, val] of x.probe.headers ?? []) lines.push(`    ${n}: ${val.length > 120 ? val.slice(0, 120) + '…' : val}`);
    lines.push(`  answer: ${x.status}`);
    for (const [n, vals] of Object.entries(x.headers)) if (!['date', 'connection', 'keep-alive', 'content-length'].includes(n)) lines.push(`    ${n}: ${vals.join(', ')}`);
    if (x.body !== '') lines.push(`    ${x.body.length > 300 ? x.body.slice(0, 300) + '…' : x.body}`);
  }
  return lines.join('\n');
}
