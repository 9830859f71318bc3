// The HTML report: one self-contained file (no scripts, no network, no external assets) — a
// summary, the requirement × result matrix with the contract's wording, the evidence of every
// failure with a curl line, and an SVG chart of each rate-limit load run with its envelope.
import type { RunReport } from './run-report.js';

const esc = (s: string) => s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c]!);

interface Timeline {
  second: number;
  ok: number;
  limited: number;
  other: number;
}
interface LoadRunReport {
  label: string;
  timeline: Timeline[];
}
interface LoadReport {
  tiers: { tier: string; limits: { perMinute: number; perHour: number; burst: number }; runs: LoadRunReport[] }[];
  other: LoadRunReport[];
}

const COLORS = { ok: '#2e7d32', limited: '#c62828', other: '#757575', envelope: '#1565c0' };

/** Bars a chart draws at most: a longer run's seconds are summed into bars of several seconds. */
const MAX_BARS = 300;

/**
 * Answers per second of the target's time as stacked bars (the timeline is in target seconds), with
 * the tier's envelope: its rate (m a minute) and its burst.
 */
export function chartSvg(report: LoadRunReport, limits: { perMinute: number; burst: number } | undefined): string {
  const w = 640;
  const h = 180;
  const pad = { l: 48, r: 10, t: 10, b: 28 };
  // Seconds a bar: 1, or as many as keep the bars to MAX_BARS (an hour's flood).
  const per = Math.max(1, Math.ceil(report.timeline.length / MAX_BARS));
  const timeline: Timeline[] = [];
  for (const t of report.timeline) {
    const bar = (timeline[Math.floor(t.second / per)] ??= { second: Math.floor(t.second / per) * per, ok: 0, limited: 0, other: 0 });
    bar.ok += t.ok;
    bar.limited += t.limited;
    bar.other += t.other;
  }
  const run = { label: report.label, timeline: timeline.filter((t) => t !== undefined) };
  const seconds = Math.max(1, report.timeline.length);
  const rate = limits === undefined ? undefined : (limits.perMinute / 60) * per;
  const firstSecond = limits === undefined || rate === undefined ? undefined : limits.burst + rate;
  const top = Math.max(1, ...run.timeline.map((t) => t.ok + t.limited + t.other), rate ?? 0, firstSecond ?? 0) * 1.1;
  const x = (s: number) => pad.l + (s / seconds) * (w - pad.l - pad.r);
  const y = (v: number) => h - pad.b - (v / top) * (h - pad.t - pad.b);
  const bw = Math.max(1, ((w - pad.l - pad.r) * per) / seconds - 1);
  const bars = run.timeline
    .map((t) => {
      let base = 0;
      return (['ok', 'limited', 'other'] as const)
        .map((k) => {
          const v = t[k];
          if (v === 0) return '';
          const rect = `<rect x="${x(t.second).toFixed(1)}" y="${y(base + v).toFixed(1)}" width="${bw.toFixed(1)}" height="${(y(base) - y(base + v)).toFixed(1)}" fill="${COLORS[k]}"><title>${per === 1 ? `second ${t.second}` : `seconds ${t.second}–${t.second + per}`}: ${v} ${k === 'ok' ? 'accepted' : k === 'limited' ? '429' : 'other'}</title></rect>`;
          base += v;
          return rect;
        })
        .join('');
    })
    .join('');
  const lines: string[] = [];
  if (rate !== undefined) {
    lines.push(`<line x1="${pad.l}" x2="${w - pad.r}" y1="${y(rate).toFixed(1)}" y2="${y(rate).toFixed(1)}" stroke="${COLORS.envelope}" stroke-dasharray="6 4"/>`);
    lines.push(`<text x="${w - pad.r - 4}" y="${(y(rate) - 4).toFixed(1)}" text-anchor="end" font-size="11" fill="${COLORS.envelope}">m/60 per second${per === 1 ? '' : ` (${(rate / per).toFixed(1)}/s)`}</text>`);
  }
  if (firstSecond !== undefined) {
    lines.push(`<line x1="${pad.l}" x2="${x(per).toFixed(1)}" y1="${y(firstSecond).toFixed(1)}" y2="${y(firstSecond).toFixed(1)}" stroke="${COLORS.envelope}" stroke-width="2"/>`);
    lines.push(`<text x="${pad.l + 4}" y="${(y(firstSecond) - 4).toFixed(1)}" font-size="11" fill="${COLORS.envelope}">b + ${per === 1 ? 'one second’s' : `${per} seconds’`} refill</text>`);
  }
  const axis = `<line x1="${pad.l}" x2="${w - pad.r}" y1="${h - pad.b}" y2="${h - pad.b}" stroke="#999"/><line x1="${pad.l}" x2="${pad.l}" y1="${pad.t}" y2="${h - pad.b}" stroke="#999"/>
<text x="${pad.l - 6}" y="${pad.t + 10}" text-anchor="end" font-size="11">${Math.round(top)}</text><text x="${pad.l - 6}" y="${h - pad.b}" text-anchor="end" font-size="11">0</text>
<text x="${(w + pad.l) / 2}" y="${h - 6}" text-anchor="middle" font-size="11">the target’s seconds from the start of the run${per === 1 ? '' : ` (bars of ${per} s)`}</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="${esc(run.label)}">${axis}${bars}${lines.join('')}</svg>`;
}

const BADGE: Record<string, string> = { pass: '#2e7d32', fail: '#c62828', warn: '#ef6c00', differs: '#6a1b9a', skipped: '#757575' };
const badge = (r: string) => `<span class="badge" style="background:${BADGE[r] ?? '#555'}">${esc(r)}</span>`;

export function htmlReport(report: RunReport): string {
  const load = report.load as LoadReport | undefined;
  const failing = report.requirements.filter((r) => r.result !== 'pass' && r.result !== 'skipped');
  const matrix = report.requirements
    .map((r) => `<tr><td><a href="#${r.id}">${r.id}</a></td><td>${r.level}</td><td>${badge(r.result)}${r.baseline !== undefined ? ' <small>(baseline)</small>' : ''}</td><td>${esc(r.text)}</td><td>${r.checks.length}</td></tr>`)
    .join('\n');
  const evidence = failing
    .map((r) => {
      const checks = r.checks
        .filter((c) => c.result !== 'pass' && c.result !== 'skipped')
        .map((c) => {
          const e = c.evidence;
          if (e === undefined) return `<h4>${badge(c.result)} ${esc(c.title)}</h4>`;
          const req = e.request === undefined ? '' : `<h5>Request</h5><pre>${esc(`${e.request.method} ${e.request.url}\n${e.request.headers.map(([n, v]) => `${n}: ${v}`).join('\n')}${e.request.body !== undefined ? `\n\n${e.request.body}` : ''}`)}</pre>`;
          const res = e.response === undefined ? '' : `<h5>Answer</h5><pre>${esc(`${e.response.status}\n${Object.entries(e.response.headers).map(([n, v]) => `${n}: ${v.join(', ')}`).join('\n')}\n\n${e.response.bodyExcerpt}`)}</pre>`;
          return `<h4>${badge(c.result)} ${esc(c.title)}</h4><p class="summary">${esc(e.summary)}</p>${e.expected !== undefined ? `<p><b>Expected:</b> ${esc(e.expected)}</p>` : ''}${e.why !== undefined ? `<p><b>Why:</b> ${esc(e.why)}</p>` : ''}${req}${res}${e.curl !== undefined ? `<h5>Reproduce</h5><pre class="curl">${esc(e.curl)}</pre>` : ''}`;
        })
        .join('\n');
      return `<section class="failure" id="${r.id}"><h3>${r.id} (${r.level}) ${badge(r.result)}</h3><p>${esc(r.text)}</p>${checks}</section>`;
    })
    .join('\n');
  const charts =
    load === undefined
      ? '<p>No rate-limit load was sent in this run.</p>'
      : [
          ...load.tiers.flatMap((t) => t.runs.map((run) => ({ run, limits: t.limits }))),
          ...load.other.map((run) => ({ run, limits: undefined })),
        ]
          .filter(({ run }) => run.timeline.length > 0)
          .map(({ run, limits }) => `<figure><figcaption>${esc(run.label)}</figcaption>${chartSvg(run, limits)}</figure>`)
          .join('\n');
  const counts = Object.entries(report.counts).map(([r, n]) => `${badge(r)} ${n}`).join(' ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>CaseBender conformance — ${esc(report.target.baseUrl)}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem;color:#222;max-width:1100px}
h1{font-size:1.5rem}.verdict{font-size:1.3rem;font-weight:bold;padding:.5rem 1rem;border-radius:6px;display:inline-block;color:#fff}
table{border-collapse:collapse;width:100%;font-size:.9rem}td,th{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
.badge{color:#fff;border-radius:4px;padding:0 .4rem;font-size:.8rem;font-weight:bold}
pre{background:#f5f5f5;padding:.6rem;overflow-x:auto;font-size:.8rem;white-space:pre-wrap;word-break:break-all}
.failure{border-left:4px solid #c62828;padding-left:1rem;margin:1.5rem 0}figure{margin:1rem 0}figcaption{font-size:.9rem;margin-bottom:.3rem}
.legend span{display:inline-block;width:.8rem;height:.8rem;margin:0 .3rem 0 1rem;vertical-align:middle}
</style></head><body>
<h1>CaseBender conformance report</h1>
<p><span class="verdict" style="background:${report.conformant ? '#2e7d32' : '#c62828'}">${report.conformant ? 'CONFORMANT' : 'NOT CONFORMANT'}${report.options.strict ? ' (strict)' : ''}</span></p>
<p>Target <code>${esc(report.target.baseUrl)}</code> (${report.target.kind}) · ${report.requests} requests · ${esc(report.startedAt)} → ${esc(report.finishedAt)} · fast-check seed ${report.options.seed} · ${esc(report.tool.name)} ${esc(report.tool.version)}, Node ${esc(report.tool.node)}</p>
<p>${counts}</p>
${report.baseline !== undefined ? `<p>Baseline <code>${esc(report.baseline.file)}</code>: accepted ${report.baseline.accepted.length}; stale entries: ${report.baseline.stale.length === 0 ? 'none' : esc(report.baseline.stale.map((s) => `${s.requirement} @ ${s.target}`).join(', '))}</p>` : ''}
<h2>Requirements</h2>
<table><thead><tr><th>ID</th><th>Level</th><th>Result</th><th>Requirement</th><th>Checks</th></tr></thead><tbody>
${matrix}
</tbody></table>
<h2>Failures and their evidence</h2>
${failing.length === 0 ? '<p>None.</p>' : `<p>Keys appear as ‹key:name›: put the key in their place to replay a curl line.</p>${evidence}`}
<h2>Rate-limit load</h2>
<p class="legend"><span style="background:${COLORS.ok}"></span>accepted<span style="background:${COLORS.limited}"></span>429<span style="background:${COLORS.other}"></span>other answers<span style="background:${COLORS.envelope}"></span>envelope (dashed: the tier’s sustained rate; solid: the first second’s allowance)</p>
${charts}
</body></html>
`;
}
