#!/usr/bin/env node
/**
 * Neo4j Cypher compatibility gate: lint statements with @neo4j-cypher/language-support.
 *
 * stdin:  JSON array of {"path": string, "line": number, "text": string}, one Cypher
 *         statement per item; "line" is the 1-based file line of the text's first line.
 * stdout: JSON array of {"path", "line", "severity", "message", "stmtLine"} for every
 *         diagnostic; "line" is the file line, "stmtLine" the 1-based line inside the text.
 * exit:   0 when linting ran (whatever it found), 2 when it could not run.
 *
 * Signature used: lintCypherQuery(query: string, dbSchema: DbSchema,
 *   options?: { consoleCommandsEnabled?: boolean }) => { diagnostics, symbolTables }.
 * The schema is minimal on purpose: without labels/relationshipTypes/propertyKeys/
 * functions/procedures the library skips those existence checks, so only syntax and
 * semantic (Cypher 5) problems are reported. Parameters are never declared, so the
 * library's "Parameter $x is not defined." errors are dropped with isNotParamError.
 */
import { readFileSync } from 'node:fs';

const SEVERITIES = { 1: 'error', 2: 'warning', 3: 'info', 4: 'hint' };
/** @type {import('@neo4j-cypher/language-support').DbSchema} */
const DB_SCHEMA = { defaultLanguage: 'CYPHER 5' };

/** Print a message to stderr and exit with code 2 (the gate could not run). */
function fail(message) {
  process.stderr.write(`cypher_lint: ${message}\n`);
  process.exit(2);
}

let lib;
try {
  lib = await import('@neo4j-cypher/language-support');
} catch (err) {
  fail(`cannot load @neo4j-cypher/language-support (run \`npm ci\`): ${err.message}`);
}

let statements;
try {
  statements = JSON.parse(readFileSync(0, 'utf8'));
  if (!Array.isArray(statements)) throw new Error('input is not a JSON array');
} catch (err) {
  fail(`bad input: ${err.message}`);
}

const out = [];
for (const { path, line, text } of statements) {
  const { diagnostics } = lib.lintCypherQuery(text, DB_SCHEMA, {
    consoleCommandsEnabled: false,
  });
  for (const d of diagnostics.filter(lib.isNotParamError)) {
    const stmtLine = d.range.start.line + 1;
    out.push({
      path,
      line: line + stmtLine - 1,
      severity: SEVERITIES[d.severity ?? 1] ?? 'error',
      message: d.message,
      stmtLine,
    });
  }
}
process.stdout.write(JSON.stringify(out) + '\n');
