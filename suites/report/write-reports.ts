// Writes a run's reports to <dir>/<run>/ and points <dir>/latest at it.
import { mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { htmlReport } from './html-report.js';
import { junitXml } from './junit.js';
import type { RunReport } from './run-report.js';

export const FORMATS = ['junit', 'json', 'html'] as const;
export type Format = (typeof FORMATS)[number];

const FILES: Record<Format, string> = { junit: 'junit.xml', json: 'report.json', html: 'report.html' };

/** The files written, by format. */
export function writeReports(report: RunReport, dir: string, formats: readonly Format[], failOn: (result: string) => boolean): { runDir: string; files: string[] } {
  const name = report.startedAt.replace(/[:.]/g, '-');
  const runDir = join(dir, name);
  mkdirSync(runDir, { recursive: true });
  const files: string[] = [];
  for (const format of formats) {
    const text = format === 'json' ? JSON.stringify(report, null, 1) + '\n' : format === 'junit' ? junitXml(report, failOn) : htmlReport(report);
    const file = join(runDir, FILES[format]);
    // Written aside and renamed: a reader never sees half a report.
    writeFileSync(`${file}.tmp`, text);
    renameSync(`${file}.tmp`, file);
    files.push(file);
  }
  const latest = join(dir, 'latest');
  const tmp = `${latest}.${process.pid}.tmp`;
  symlinkSync(name, tmp);
  renameSync(tmp, latest);
  return { runDir, files };
}
