// A light lint: every JavaScript source and test must parse (node --check), and no source may
// build HTML from strings (the app inserts text nodes only, so server text cannot inject markup).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const roots = ['src', 'test', 'scripts'];
const files = [];
function walk(dir) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of entries) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith('.js') || p.endsWith('.mjs')) files.push(p);
  }
}
roots.forEach(walk);

let failed = 0;
for (const f of files) {
  try {
    execFileSync(process.execPath, ['--check', f], { stdio: 'pipe' });
  } catch (err) {
    failed++;
    console.error(`${f}: does not parse\n${err.stderr}`);
  }
  if (f.startsWith('src')) {
    const text = readFileSync(f, 'utf8');
    if (/\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML\(/.test(text)) {
      failed++;
      console.error(`${f}: builds HTML from a string; use dom.js h() instead`);
    }
  }
}
console.log(`checked ${files.length} files, ${failed} problem(s)`);
process.exit(failed ? 1 : 0);
