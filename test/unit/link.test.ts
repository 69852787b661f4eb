import { describe, expect, it } from 'vitest';
import { bodyDeadlineMs, probeIntervalMs, requestDeadlines } from '../../server/domain/link.js';

describe('deadlines over a shop link', () => {
  it('gives a bigger push more time before its answer, at 16 kbit/s, on top of connecting and head office’s work', () => {
    expect(requestDeadlines(0).answerMs).toBe(40_000);
    // 256 KB at 2 000 bytes/s: 131 s more; at the 32 kbit/s link it takes 65 s, inside that.
    expect(requestDeadlines(256 * 1024).answerMs).toBe(40_000 + 131_072);
    expect(requestDeadlines(1000, 120_000).answerMs).toBe(130_500);
  });

  it('gives an answer’s body the time its length needs at 16 kbit/s, never less than the idle timeout', () => {
    expect(bodyDeadlineMs(60_000)).toBe(20_000 + 30_000);
    expect(bodyDeadlineMs(0)).toBe(20_000);
    expect(bodyDeadlineMs(undefined)).toBeGreaterThan(500_000);
  });

  it('probes every 5 s in the first two minutes of a drop, then every 30 s', () => {
    expect(probeIntervalMs(0)).toBe(5_000);
    expect(probeIntervalMs(119_999)).toBe(5_000);
    expect(probeIntervalMs(120_000)).toBe(30_000);
  });
});
