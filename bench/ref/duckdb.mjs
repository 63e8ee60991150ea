// bench/ref/duckdb.mjs — the DuckDB reference of bench/run.
//
//   node bench/ref/duckdb.mjs CONFIG.json      (NODE_PATH must reach @duckdb/node-api)
//
// CONFIG (written by bench/run): { inventory, tables: [names to load], load: "bench/ref/duckdb/load.sql",
//   rules: "bench/ref/duckdb/TOOL.sql", params: { name: value | {date: "YYYY-MM-DD"} }, threads }.
//
// Opens an in-memory DuckDB with `threads` threads, creates every table of load.sql and fills the
// ones listed from DIR/NAME.csv, then runs TOOL.sql: each `-- macro: NAME` section is run as it is
// (helpers such as CREATE TEMP MACRO), each `-- view: NAME` section is materialized as
// a TEMP TABLE (a TEMP VIEW when CONFIG's plain_views names it), each `-- rule: ID` section's SELECT is materialized as a TEMP TABLE, counted and its rows'
// subject_kind and subject_id printed (a
// trailing `[policy sql HASH]` on those lines is for bench/run's staleness check).
// Parameters are written in the SQL as :name, as in the policy, and replaced by typed literals of the
// policy's values (DATE '…' for :as_of and :effective, numbers, '…' strings, ['…', …] lists) —
// policy values, never inventory values. Prints tab-separated lines on standard output:
//   #version  DuckDB version
//   #t        LABEL  seconds since the epoch (start, loaded, views, rule ID)
//   #rule     ID     number of rows (findings)
//   #f        ID     subject_kind  subject_id   (one line per finding row, after its rule's #rule line)
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

// NODE_PATH is not consulted by ES module imports: resolve the package through require's paths.
const require = createRequire(import.meta.url);
const entry = require.resolve('@duckdb/node-api', { paths: (process.env.NODE_PATH || '').split(path.delimiter) });
const { DuckDBInstance } = await import(entry);

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));

function sections(file, markers) {
  // [{kind, name, sql}] for every `-- KIND: NAME` line, KIND in markers.
  const out = [];
  let current = null;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = line.match(/^-- (\w+): (\S+)(?:\s+\[policy sql [0-9a-f]+\])?\s*$/);
    if (m && markers.includes(m[1])) {
      current = { kind: m[1], name: m[2], sql: '' };
      out.push(current);
    } else if (current) {
      current.sql += line + '\n';
    }
  }
  for (const s of out) s.sql = s.sql.trim().replace(/;\s*$/, '');
  return out;
}

function quote(text) {
  return "'" + String(text).replaceAll("'", "''") + "'";
}

function literal(value) {
  if (Array.isArray(value)) return '[' + value.map(quote).join(', ') + ']';
  if (value !== null && typeof value === 'object' && 'date' in value) return `DATE ${quote(value.date)}`;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return String(value);
  return quote(value);
}

function bind(sql, what) {
  return sql.replace(/(?<![:\w]):([A-Za-z_]\w*)/g, (_, name) => {
    if (!(name in config.params)) throw new Error(`${what}: unknown parameter :${name}`);
    return literal(config.params[name]);
  });
}

const emit = (...fields) => process.stdout.write(fields.join('\t') + '\n');
const mark = (label) => emit('#t', label, (Date.now() / 1000).toFixed(3));

mark('start');
const instance = await DuckDBInstance.create(':memory:', { threads: String(config.threads) });
const connection = await instance.connect();
emit('#version', (await connection.runAndReadAll('SELECT version()')).getRows()[0][0]);

const load = sections(config.load, ['table', 'load']);
for (const s of load.filter((s) => s.kind === 'table')) await connection.run(s.sql);
for (const s of load.filter((s) => s.kind === 'load' && config.tables.includes(s.name))) {
  const csv = path.join(config.inventory, `${s.name}.csv`);
  await connection.run(s.sql.replaceAll('@CSV@', quote(csv)));
}
mark('loaded');

const script = sections(config.rules, ['macro', 'view', 'rule']);
for (const s of script.filter((s) => s.kind === 'macro')) await connection.run(s.sql);
// A view the policy does not materialize (materialize = false; listed in config.plain_views) is an
// ordinary view here too.
for (const s of script.filter((s) => s.kind === 'view')) {
  const kind = (config.plain_views || []).includes(s.name) ? 'VIEW' : 'TABLE';
  await connection.run(`CREATE TEMP ${kind} "${s.name}" AS\n${bind(s.sql, 'view ' + s.name)}`);
}
mark('views');
let i = 0;
for (const s of script.filter((s) => s.kind === 'rule')) {
  const table = `finding_${i++}`;
  await connection.run(`CREATE TEMP TABLE "${table}" AS\n${bind(s.sql, 'rule ' + s.name)}`);
  const count = (await connection.runAndReadAll(`SELECT count(*) FROM "${table}"`)).getRows()[0][0];
  emit('#rule', s.name, String(count));
  // Each finding's subject, for bench/run's digest of the findings (compared with chataudit's report).
  const ids = (await connection.runAndReadAll(`SELECT subject_kind, subject_id FROM "${table}"`)).getRows();
  if (ids.length) {
    process.stdout.write(ids.map(([kind, id]) => `#f\t${s.name}\t${kind ?? ''}\t${id ?? ''}`).join('\n') + '\n');
  }
  mark('rule ' + s.name);
}
connection.closeSync();
instance.closeSync();
