#!/usr/bin/env node
// Fails when a file under src/ imports a folder its component may not import: the layering of
// docs/architecture.md, kept by CI. Production files follow `layers`; tests (`*.test.ts`) and
// test support (`testing.ts`, src/testing/) may also import src/testing/, which may import
// anything but is never part of the production build.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What each folder under src/ may import besides itself. */
export const layers = {
  apimachinery: [],
  storage: ['apimachinery'],
  pki: ['apimachinery'],
  client: ['apimachinery', 'pki'],
  apiserver: ['apimachinery', 'storage', 'pki', 'client'],
  controllers: ['apimachinery', 'client'],
  scheduler: ['apimachinery', 'client'],
  kubelet: ['apimachinery', 'client', 'pki'],
  proxy: ['apimachinery', 'client'],
  dns: ['apimachinery', 'client'],
  ingress: ['apimachinery', 'client'],
  inspect: ['apimachinery', 'client'],
  cli: ['*'],
  testing: ['*'],
};

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

const isTestSupport = (file) => /\.test\.ts$/.test(file) || /(^|\/)testing\.ts$/.test(file);
const problems = [];
for (const file of walk(src)) {
  const rel = relative(src, file);
  const component = rel.split('/')[0];
  const allowed = layers[component];
  if (!allowed) {
    problems.push(`${rel}: src/${component}/ is not a known component (add it to scripts/check-imports.mjs)`);
    continue;
  }
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
    const target = relative(src, normalize(join(dirname(file), m[1])));
    if (target.startsWith('..')) continue;
    const to = target.split('/')[0];
    if (to === component || allowed.includes('*') || allowed.includes(to)) continue;
    if (to === 'testing' && isTestSupport(rel)) continue;
    problems.push(`${rel}: imports ${target} (src/${component}/ may import ${allowed.join(', ') || 'nothing else'})`);
  }
}
if (problems.length) {
  console.error(`check-imports: ${problems.length} import(s) cross the layering:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('check-imports: every import follows the layering');
