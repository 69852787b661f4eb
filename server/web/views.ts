import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { helpers } from './helpers/index.js';

const root = fileURLToPath(new URL('../../views/', import.meta.url));

export interface Views {
  page(name: string, data: Record<string, unknown>, layout?: string): string;
  fragment(name: string, data: Record<string, unknown>): string;
}

function filesIn(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesIn(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/**
 * Templates are compiled once at start. A page is a layout around a page
 * template built from the same partials that htmx requests get alone.
 */
export function loadViews(dir = root): Views {
  const hb = Handlebars.create();
  for (const [name, fn] of Object.entries(helpers)) hb.registerHelper(name, fn);
  const partials = new Map<string, HandlebarsTemplateDelegate>();
  for (const file of filesIn(path.join(dir, 'partials')).filter((f) => f.endsWith('.hbs'))) {
    const name = path.relative(path.join(dir, 'partials'), file).replace(/\.hbs$/, '');
    const source = fs.readFileSync(file, 'utf8');
    hb.registerPartial(name, source);
    partials.set(name, hb.compile(source, { strict: false }));
  }
  const compileDir = (sub: string) =>
    new Map(
      fs.readdirSync(path.join(dir, sub)).filter((f) => f.endsWith('.hbs')).map((f) => [f.replace(/\.hbs$/, ''), hb.compile(fs.readFileSync(path.join(dir, sub, f), 'utf8'))]),
    );
  const pages = compileDir('pages');
  const layouts = compileDir('layouts');
  const get = <T>(m: Map<string, T>, name: string, kind: string): T => {
    const v = m.get(name);
    if (!v) throw new Error(`no ${kind} template named ${name}`);
    return v;
  };
  return {
    page(name, data, layout = 'main') {
      const body = get(pages, name, 'page')(data);
      return get(layouts, layout, 'layout')({ ...data, body });
    },
    fragment: (name, data) => get(partials, name, 'partial')(data),
  };
}
