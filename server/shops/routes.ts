import type { RequestHandler } from 'express';
import { parse } from '../http/validate.js';
import { settingsSchema } from './schemas.js';
import type { SettingsService } from './service.js';

export function settingsRoutes(settings: SettingsService) {
  return {
    get: (async (_req, res) => {
      res.json(await settings.get());
    }) satisfies RequestHandler,
    update: (async (req, res) => {
      res.json(await settings.update(parse(settingsSchema, req.body)));
    }) satisfies RequestHandler,
  };
}
