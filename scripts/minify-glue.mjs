// Trunk's post_build hook: in release builds, minifies wasm-bindgen's JS glue with
// esbuild (Trunk's own minifier cannot parse it and ships it as it is: 73 KB with its
// comments and whitespace) and puts the new file's hash into index.html's integrity
// attribute, which Trunk computed for the unminified file. The page has a 600 KB gzip
// budget; this is about 4 KB of it.
import { transformSync } from 'esbuild';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const staging = process.env.TRUNK_STAGING_DIR;
if (!staging) throw new Error('minify-glue: run as a Trunk hook (TRUNK_STAGING_DIR is not set)');
if (process.env.TRUNK_PROFILE !== 'release') process.exit(0);

const integrity = (bytes) => `sha384-${createHash('sha384').update(bytes).digest('base64')}`;
const glue = readdirSync(staging).filter((f) => /^moonkeep-web-[0-9a-f]+\.js$/.test(f));
if (glue.length !== 1) throw new Error(`minify-glue: expected one glue file in ${staging}, found ${glue.join(', ') || 'none'}`);

const file = join(staging, glue[0]);
const before = readFileSync(file);
const { code } = transformSync(before.toString('utf8'), { minify: true, format: 'esm', target: 'es2020', legalComments: 'none' });
const after = Buffer.from(code);

const index = join(staging, 'index.html');
const html = readFileSync(index, 'utf8');
const found = html.split(integrity(before)).length - 1;
if (found !== 1) throw new Error(`minify-glue: index.html names the glue's hash ${found} times, expected once`);
writeFileSync(file, after);
writeFileSync(index, html.replace(integrity(before), integrity(after)));
console.log(`minify-glue: ${glue[0]} ${before.length} -> ${after.length} bytes`);
