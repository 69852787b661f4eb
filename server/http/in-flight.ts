import type { RequestHandler } from 'express';

/**
 * Requests whose handlers have not finished. A closed connection does not
 * end a handler (a sale's transaction goes on): shutdown waits for this count
 * to reach zero before stopping what the handlers use.
 */
export class InFlight {
  private count = 0;
  private waiters: (() => void)[] = [];
  /** Shutting down: each answer closes its connection, so tills on keep-alive sockets let go. */
  closing = false;

  readonly track: RequestHandler = (_req, res, next) => {
    if (this.closing) res.set('Connection', 'close');
    this.count += 1;
    let done = false;
    const end = () => {
      if (done) return;
      done = true;
      this.count -= 1;
      if (this.count === 0) for (const w of this.waiters.splice(0)) w();
    };
    // 'finish' when the answer is sent; 'close' also when the client went away before it.
    res.on('finish', end);
    res.on('close', () => (res.writableFinished ? end() : res.once('finish', end)));
    next();
  };

  settled(timeoutMs: number): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      setTimeout(resolve, timeoutMs).unref();
    });
  }
}
