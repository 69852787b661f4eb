import type { RequestHandler } from 'express';
import { z } from 'zod';
import { actorOf } from '../http/session.js';
import { parse } from '../http/validate.js';
import type { SyncService } from './service.js';

const limit = z.object({ limit: z.coerce.number().int().min(1).max(5000).default(200) });
const seqs = z.object({ seqs: z.array(z.number().int().min(1)).min(1).max(10_000).optional() });

/** The shop's sync API: status, a run on demand, the conflict log, changes head office refused. */
export function syncRoutes(sync: SyncService) {
  return {
    status: (async (_req, res) => {
      res.json(await sync.status());
    }) satisfies RequestHandler,
    run: (async (_req, res) => {
      sync.assertConfigured();
      sync.requestRun();
      res.status(202).json(await sync.status());
    }) satisfies RequestHandler,
    conflicts: (async (req, res) => {
      res.json(await sync.conflicts(parse(limit, { limit: req.query.limit }).limit));
    }) satisfies RequestHandler,
    refused: (async (_req, res) => {
      res.json(await sync.refused());
    }) satisfies RequestHandler,
    retry: (async (req, res) => {
      const { seqs: which } = parse(seqs, req.body ?? {});
      res.json({ requeued: await sync.retryRefused(which ?? 'all') });
    }) satisfies RequestHandler,
    discard: (async (req, res) => {
      const { seqs: which } = parse(seqs.required(), req.body ?? {});
      res.json({ discarded: await sync.discardRefused(which, actorOf(req).name) });
    }) satisfies RequestHandler,
  };
}
