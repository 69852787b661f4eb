import { spawn } from 'node:child_process';

/** Hands the PDF to a CUPS queue with `lp`; the PDF is the reference copy either way. */
export function printCups(pdf: Buffer, queue: string, timeoutMs = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('lp', ['-d', queue, '-t', 'Comptoir', '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`lp: ${e.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`lp exited ${code}: ${err.trim()}`));
    });
    child.stdin.on('error', () => undefined); // lp gone early: reported by 'close'
    child.stdin.end(pdf);
  });
}
