/**
 * The code generator on the bundled specs:
 *
 * - every specs/*.rio, compiled together (as `rio compile specs/*.rio -o generated` does),
 *   gives the module in tests/golden/codegen/<name>.expected.ts.txt (`UPDATE_GOLDEN=1`
 *   rewrites them; `.txt` so that the root tsconfig does not type-check them);
 * - generated/ holds exactly what the compiler makes now, and nothing else;
 * - generation is deterministic, whatever the order of the files;
 * - the generated modules (and a few generated snippets: sub-modules, timers, `as msgs`)
 *   type-check under the project's strict compiler options;
 * - a file with several protocols gives a module that loads.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SourceFile } from '../../compiler/ast/span.js';
import type { GeneratedFile } from '../../compiler/codegen/index.js';
import { renderDiagnostics } from '../../compiler/diagnostics/render.js';
import { compileFiles } from '../../compiler/pipeline.js';
import { compileSnippet, loadSnippet, tmpDir } from '../helpers/compile-snippet.js';
import { expectGolden } from '../helpers/golden.js';

const repo = join(import.meta.dirname, '..', '..');
const goldenDir = join(repo, 'tests', 'golden', 'codegen');
const generatedDir = join(repo, 'generated');
const names = readdirSync(join(repo, 'specs')).filter((f) => f.endsWith('.rio')).sort();
/** File ids are repository-relative paths, as `rio compile specs/*.rio` run from the root sees them. */
const files: SourceFile[] = names.map((name) => ({ id: `specs/${name}`, text: readFileSync(join(repo, 'specs', name), 'utf8') }));
/** generated/ imports the runtime from ../runtime (the CLI's choice for an output directory inside the repository). */
const runtimeImport = '../runtime/replica/index.js';

let generated: readonly GeneratedFile[] = [];

async function compileAll(list: readonly SourceFile[]): Promise<readonly GeneratedFile[]> {
  const result = await compileFiles(list, { runtimeImport });
  const problems = result.diagnostics.filter((d) => d.severity === 'error');
  if (problems.length > 0 || result.files.length === 0) {
    throw new Error(`compiling specs/*.rio failed:\n${renderDiagnostics(result.diagnostics, new Map(list.map((f) => [f.id, f])))}`);
  }
  return result.files;
}

// Compiling every spec takes some 4 s of CPU since the BFT specs came (longer on a loaded
// machine), more than the default hook timeout of 10 s allows for.
beforeAll(async () => {
  generated = await compileAll(files);
}, 60_000);

const byName = (name: string) => {
  const file = generated.find((f) => f.fileName === `${basename(name, '.rio')}.ts`);
  if (file === undefined) throw new Error(`no module generated for specs/${name} (got: ${generated.map((f) => f.fileName).join(', ')})`);
  return file;
};

describe('generated modules of specs/*.rio', () => {
  it('has specs, one module each', () => {
    expect(names.length).toBeGreaterThan(0);
    expect(generated.map((f) => f.fileName).sort()).toEqual(names.map((n) => `${basename(n, '.rio')}.ts`));
    for (const f of generated) expect(f.sourcePath).toBe(`specs/${basename(f.fileName, '.ts')}.rio`);
  });

  for (const name of names) {
    const stem = basename(name, '.rio');
    it(`specs/${name} gives tests/golden/codegen/${stem}.expected.ts.txt`, () => {
      expectGolden(join(goldenDir, `${stem}.expected.ts.txt`), byName(name).text);
    });
  }

  it('generated/ is exactly what the compiler makes now (run `rio compile specs/*.rio -o generated`)', () => {
    const present = readdirSync(generatedDir).filter((f) => f.endsWith('.ts')).sort();
    expect(present, 'extra or missing .ts files in generated/').toEqual(generated.map((f) => f.fileName).sort());
    for (const f of generated) {
      expect(readFileSync(join(generatedDir, f.fileName), 'utf8'), `generated/${f.fileName} is out of date`).toBe(f.text);
    }
  });

  it('is deterministic: compiling again, with the files in reverse order, gives the same text', async () => {
    const again = await compileAll([...files].reverse());
    const text = (list: readonly GeneratedFile[]) => Object.fromEntries(list.map((f) => [f.fileName, f.text]));
    expect(text(again)).toEqual(text(generated));
  });
});

/** Snippets whose generated modules are type-checked with generated/ (constructs the bundled specs lack). */
const snippets: Record<string, string> = {
  'sub-modules': `
protocol Child
  parameters n: Nat, owner: Process
  interface
    request req(v: Nat)
    indication ind(v: Nat)
  messages
    PING(v: Nat)
  timers
    Tick(v: Nat)
  upon req(v)
    broadcast PING(v)
    start timer Tick(v) after 2
  upon receiving PING(v) from owner
    trigger ind(v)
  upon timeout Tick(v)
    trigger ind(v + 100)

protocol Parent
  parameters n: Nat
  uses Child(n, k) as c[k: Process]
  uses Child(n, 0) as single
  interface
    request go(k: Process, v: Nat)
    indication got(k: Process, v: Nat)
  state
    last: Nat = 0
  upon go(k, v)
    trigger c[k].req(v)
    trigger single.req(v)
  upon c[k].ind(v)
    last := v
    trigger got(k, v)
  upon single.ind(v) when v > last
    last := v
`,
  'collect-and-conditions': `
protocol Collect
  parameters n: Nat
  interface
    request lower(k: Nat)
    indication got(r: Nat, senders: Set[Process], top: Process)
  messages
    V(a: Nat, r: Nat)
  state
    needed: Nat = 3
    flag: Bool = false
  upon lower(k)
    needed := k
  upon receiving V(_, r) from needed processes as msgs
    flag := true
    trigger got(r, { m.sender | m in msgs }, (max m in msgs by m.r).sender)
  upon receiving V(a, r) from 2 processes of {1, 2, 3} as msgs when a > r
    needed := |msgs|
  upon flag
    flag := false
`,
  // Regression: records were interfaces, which are not \`Data\`, so a message with a record
  // field did not type-check; records built in a comprehension gave a bare object literal.
  'records-in-messages': `
protocol RecordsInMessages
  parameters n: Nat
  record Vote(p: Process, k: Nat)
  interface
    indication got(k: Nat, voters: Set[Vote])
  messages
    M(v: Vote, d: Digest)
  upon start
    broadcast M(Vote(self, 1), hash(Vote(self, 1)))
  upon receiving M(v, _) from 2 processes as msgs when forall m in msgs: m.d = hash(m.v)
    trigger got(v.k, { Vote(m.sender, m.v.k) | m in msgs })
  // Regression: indications with several fields, read as tuples in a property, did not type-check.
  property ordered
    always forall q in Process: forall x in q.got: x.1 <= 1 and |x.2| <= n
`,
};

describe('type-checking', () => {
  it('generated/ and generated snippets type-check under the strict compiler options', async () => {
    const dir = join(tmpDir, `tsc-${process.pid}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    try {
      for (const [name, source] of Object.entries(snippets)) {
        // The helper makes imports relative to tests/.tmp; these files sit one level deeper.
        const text = (await compileSnippet(source, `${name}.rio`)).replace("'../../runtime/replica/index.js'", "'../../../runtime/replica/index.js'");
        writeFileSync(join(dir, `${name}.ts`), text);
      }
      const config = join(dir, 'tsconfig.json');
      const rel = (path: string) => relative(dir, path).replace(/\\/g, '/');
      writeFileSync(config, JSON.stringify({
        extends: rel(join(repo, 'tsconfig.json')),
        compilerOptions: { noEmit: true, strict: true, incremental: false },
        // The replica runtime the modules import; not the rest of runtime/ (simulator, ...).
        include: [`${rel(generatedDir)}/*.ts`, `${rel(join(repo, 'runtime', 'replica'))}/*.ts`, './*.ts'],
      }, null, 2));
      const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
      const run = spawnSync(process.execPath, [tsc, '-p', config, '--pretty', 'false'], { cwd: repo, encoding: 'utf8' });
      expect({ status: run.status, output: (run.stdout + run.stderr).trim() }).toEqual({ status: 0, output: '' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('files with several protocols', () => {
  // Both protocols have a message PING and rules `upon start` and `upon receiving PING from
  // any`, so the generated names (PingMessage, onStart, onReceivingPingFromAny) are the same.
  const source = `
protocol A
  parameters n: Nat
  messages
    PING
  state
    x: Nat = 0
  upon start
    broadcast PING
  upon receiving PING from any
    x := x + 1

protocol B
  parameters n: Nat
  uses A(n) as a
  messages
    PING
  state
    y: Nat = 0
  upon start
    broadcast PING
  upon receiving PING from any
    y := y + 1
`;

  it('refuses, with a clear error, protocols whose generated names collide', async () => {
    const result = await compileFiles([{ id: 'snippet.rio', text: source }], { runtimeImport: 'rio' });
    expect(result.files).toEqual([]);
    const rendered = renderDiagnostics(result.diagnostics, new Map([['snippet.rio', { id: 'snippet.rio', text: source }]]));
    expect(rendered).toContain("snippet.rio:13:10: error RIO4001: cannot generate code: protocol 'B' would generate 'PingMessage'");
    expect(rendered).toContain('put each protocol in a file of its own');
  });

  it('gives a module that loads, with both protocols, when their names differ', async () => {
    const distinct = source.replace(/PING/g, (_, offset: number) => (offset > source.indexOf('protocol B') ? 'PONG' : 'PING'))
      .replace('upon start\n    broadcast PONG', 'b_start: upon start\n    broadcast PONG');
    const text = await compileSnippet(distinct);
    const declared = [...text.matchAll(/^export (?:function|const|type|interface) (\w+)/gm)].map((m) => m[1]!);
    expect(declared.filter((name, i) => declared.indexOf(name) !== i)).toEqual([]);
    const a = await loadSnippet(distinct, 'A');
    const b = await loadSnippet(distinct, 'B');
    expect(a.rules.map((r) => r.name)).toEqual(['onStart', 'onReceivingPingFromAny']);
    expect(b.rules.map((r) => r.name)).toEqual(['b_start', 'onReceivingPongFromAny']);
    expect(b.modules.map((m) => m.protocol().name)).toEqual(['A']);
  });
});
