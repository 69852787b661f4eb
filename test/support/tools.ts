import { execFileSync, spawnSync } from 'node:child_process';

/**
 * A Debian tool a test needs (poppler-utils, chromium): on a developer's
 * machine without it the test is skipped with a printed reason; under CI,
 * where .ci/run installs it, its absence fails the run.
 */
export function requireTool(command: string, debianPackage: string): { available: boolean } {
  const found = spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
  if (!found) {
    const reason = `${command} not found: install Debian's ${debianPackage} (apt-get install ${debianPackage})`;
    if (process.env.CI === 'true') throw new Error(`${reason}; .ci/run should have installed it`);
    process.stdout.write(`SKIPPED: ${reason}\n`);
  }
  return { available: found };
}

/** The text of a PDF as pdftotext lays it out, with no-break spaces made plain. */
export function pdfText(pdf: Buffer): string {
  return execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', '-', '-'], { input: pdf }).toString('utf8').replace(/\u00a0/g, ' ');
}

export function pdfPages(pdf: Buffer): { pages: number; widthPt: number; heightPt: number } {
  const info = execFileSync('pdfinfo', ['-'], { input: pdf }).toString();
  const size = /Page size:\s+([\d.]+) x ([\d.]+)/.exec(info)!;
  return { pages: Number(/Pages:\s+(\d+)/.exec(info)![1]), widthPt: Number(size[1]), heightPt: Number(size[2]) };
}
