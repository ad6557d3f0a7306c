#!/usr/bin/env node
// A solc command-line stand-in built on solc-js (npm `solc`), for machines where the native compiler
// cannot be downloaded. It speaks the two calls py-solc-x and ape-solidity make: `--version` and
// `--standard-json` (input on stdin, output on stdout). solcjs itself prints a notice line before its
// JSON, which breaks their parsers, so this calls the compiler's JS API directly.
'use strict';
const fs = require('fs');
const path = require('path');
const solc = require('solc');

const args = process.argv.slice(2);

function optionValues(name) {
  const values = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === name && i + 1 < args.length) values.push(...args[i + 1].split(','));
    else if (args[i].startsWith(name + '=')) values.push(...args[i].slice(name.length + 1).split(','));
  }
  return values;
}

if (args.includes('--version')) {
  process.stdout.write('solc, the solidity compiler commandline interface\nVersion: ' + solc.version() + '\n');
  process.exit(0);
}

if (!args.includes('--standard-json')) {
  process.stderr.write('solc_bridge: only --version and --standard-json are supported\n');
  process.exit(2);
}

const roots = [...optionValues('--base-path'), ...optionValues('--include-path'), process.cwd()];

// Imports are resolved after solc applies the remappings, so a plain lookup under the roots suffices.
function findImport(importPath) {
  const candidates = path.isAbsolute(importPath) ? [importPath] : roots.map((root) => path.resolve(root, importPath));
  for (const candidate of candidates) {
    if (fs.existsSync(candidate)) return { contents: fs.readFileSync(candidate, 'utf8') };
  }
  return { error: 'File not found: ' + importPath + ' (looked under ' + roots.join(', ') + ')' };
}

const input = fs.readFileSync(0, 'utf8');
process.stdout.write(solc.compile(input, { import: findImport }));
