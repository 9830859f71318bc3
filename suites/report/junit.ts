// JUnit XML: one test case per requirement ID per target, failures with their evidence — what
// GitHub Actions, GitLab and Jenkins read.
import type { RunReport } from './run-report.js';

const xml = (s: string) => s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');

export function junitXml(report: RunReport, failOn: (result: string) => boolean): string {
  const cases = report.requirements.map((r) => {
    const seconds = (r.checks.reduce((n, c) => n + c.ms, 0) / 1000).toFixed(3);
    const name = `${r.id} (${r.level}): ${r.text}`;
    const head = `    <testcase classname="casebender.${r.id.split('-')[0]}" name="${xml(name)}" time="${seconds}">`;
    const details = r.checks
      .filter((c) => c.result !== 'pass')
      .map((c) => {
        const e = c.evidence;
        const lines = [`[${c.result}] ${c.title}`];
        if (c.reason !== undefined) lines.push(`skipped: ${c.reason}`);
        if (e !== undefined) {
          lines.push(e.summary);
          if (e.expected !== undefined) lines.push(`expected: ${e.expected}`);
          if (e.why !== undefined) lines.push(`why: ${e.why}`);
          if (e.response !== undefined) lines.push(`answer: ${e.response.status} ${e.response.bodyExcerpt.slice(0, 300)}`);
          if (e.curl !== undefined) lines.push(`reproduce: ${e.curl}`);
        }
        return lines.join('\n');
      })
      .join('\n\n');
    if (r.result === 'skipped') return `${head}\n      <skipped message="${xml(r.checks.find((c) => c.reason !== undefined)?.reason ?? 'skipped')}"/>\n    </testcase>`;
    if (r.baseline === undefined && failOn(r.result)) {
      const first = r.checks.find((c) => c.evidence !== undefined)?.evidence?.summary ?? r.result;
      return `${head}\n      <failure type="${r.result}" message="${xml(first.slice(0, 500))}">${xml(details)}</failure>\n    </testcase>`;
    }
    return details === '' ? `${head}</testcase>` : `${head}\n      <system-out>${xml(details)}</system-out>\n    </testcase>`;
  });
  const failures = report.requirements.filter((r) => r.baseline === undefined && failOn(r.result)).length;
  const skipped = report.requirements.filter((r) => r.result === 'skipped').length;
  const time = ((Date.parse(report.finishedAt) - Date.parse(report.startedAt)) / 1000).toFixed(3);
  const suite = `casebender conformance: ${report.target.baseUrl}`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="casebender-conformance" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${time}">`,
    `  <testsuite name="${xml(suite)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${time}" timestamp="${report.startedAt}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
