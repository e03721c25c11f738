/**
 * End-to-end tests of the `rio` command line, transcript style: each test spawns
 * `node dist/compiler/cli/main.js` (build first: `npx tsc -p tsconfig.build.json`) and
 * asserts its stdout, stderr and exit code. Exit codes: 0 ok, 1 the spec has errors or a
 * property failed, 2 usage error or unreadable input, 3 internal error. No output may ever
 * contain a stack trace. A test that fails on purpose shows a bug and says so in its name
 * ("FAILS: ..."); tests marked "regression" are bugs found while writing these tests and
 * fixed since (048e279, 54a10b9).
 */
import { execFile } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = join(import.meta.dirname, '..', '..');
const cli = join(repo, 'dist', 'compiler', 'cli', 'main.js');
const specs = ['ben-or', 'bracha-broadcast', 'echo-broadcast', 'paxos', 'two-phase-commit'].map((s) => `specs/${s}.rio`);
const tmp = mkdtempSync(join(tmpdir(), 'rio-cli-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `rio ARGS` from the repository root (or `cwd`); never rejects. Asserts there is no stack trace. */
function rio(args: readonly string[], cwd = repo): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      expect(`${stdout}\n${stderr}`, `rio ${args.join(' ')} printed a stack trace`).not.toMatch(/^\s{4}at /m);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs a shell command line (a `reproduce:` line), with `rio` standing for this CLI. */
function sh(line: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile('sh', ['-c', line.replace(/^rio /, `"${process.execPath}" "${cli}" `)], { cwd: repo, encoding: 'utf8', maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      expect(`${stdout}\n${stderr}`).not.toMatch(/^\s{4}at /m);
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

/** The lines of a simulate run's report block: from `verdict:` to the line before `trace written to`. */
function reportBlock(stdout: string): string {
  const lines = stdout.split('\n');
  const from = lines.findIndex((l) => l.startsWith('verdict: '));
  const to = lines.findIndex((l) => l.startsWith('trace written to '));
  expect(from, stdout).toBeGreaterThanOrEqual(0);
  expect(to, stdout).toBeGreaterThan(from);
  return lines.slice(from, to).join('\n');
}

/** A usage error: exit 2, a clear message on stderr starting with 'rio: ' (plus the --help hint for yargs errors), no internal error. */
function expectUsageError(run: Run, message: string | RegExp) {
  expect(run.code, run.stderr || run.stdout).toBe(2);
  if (typeof message === 'string') expect(run.stderr).toContain(message);
  else expect(run.stderr).toMatch(message);
  expect(run.stderr.startsWith('rio: ')).toBe(true);
  expect(run.stderr).not.toContain('internal compiler error');
}

describe.concurrent('rio', () => {
  // Regression: in a fresh clone `npx rio` said "Permission denied": tsc writes the bin
  // without the execute bit, so the build sets it.
  it('the built bin is executable, so npx rio runs it', () => {
    expect(statSync(cli).mode & 0o111).toBe(0o111);
  });

  describe.concurrent('help', () => {
    it('rio --help lists the commands and exits 0', async () => {
      const r = await rio(['--help']);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      for (const c of ['rio check <specs..>', 'rio compile <specs..>', 'rio simulate <spec>', 'rio explore <spec>', 'rio replay <file>']) expect(r.stdout).toContain(c);
    });

    it.each([
      ['check', ['--format']],
      ['compile', ['--out', '--check']],
      ['simulate', ['--seed', '--seeds', '--faults', '--network', '--request', '--trace', '--json']],
      ['replay', ['--json']],
      ['explore', ['--max-states', '--trace', '--json']],
    ])('rio %s --help shows its options and exits 0', async (command, options) => {
      const r = await rio([command, '--help']);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain(`rio ${command} <`);
      for (const o of options) expect(r.stdout).toContain(o);
    });

    it('rio with no command is a usage error', async () => {
      const r = await rio([]);
      expectUsageError(r, 'name a command, e.g. rio check specs/*.rio');
    });

    it('an unknown command is a usage error', async () => {
      const r = await rio(['frobnicate', 'specs/paxos.rio']);
      expectUsageError(r, /Unknown argument/);
    });
  });

  describe.concurrent('rio check', () => {
    const bad = join(tmp, 'bad.rio');
    writeFileSync(bad, 'protocol Bad\n  parameters n: Nat\n  state\n    x: Nat = 0\n  upon start\n    y := 1\n');

    it('the bundled specs check: exit 0', async () => {
      const r = await rio(['check', ...specs]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('rio check: 5 files ok (0 errors, 0 warnings)\n');
      expect(r.stderr).toBe('');
    });

    it('a spec with errors: exit 1 and the rendered diagnostic on stderr', async () => {
      const r = await rio(['check', bad]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`${bad}:6:5: error RIO2001: unknown name 'y'`);
      expect(r.stderr).toContain('  6 |     y := 1\n    |     ^');
      expect(r.stderr).toContain(`${bad}:4:5: warning RIO2016: state variable 'x' is never read`);
      expect(r.stderr).toMatch(/rio check: 1 file: 1 error, 1 warning\n$/);
    });

    it('--format json gives parseable JSON: ok', async () => {
      const r = await rio(['check', '--format', 'json', ...specs]);
      expect(r.code).toBe(0);
      const json = JSON.parse(r.stdout) as { ok: boolean; files: string[]; diagnostics: unknown[] };
      expect(json).toEqual({ ok: true, files: specs, diagnostics: [] });
    });

    it('--format json gives parseable JSON: errors', async () => {
      const r = await rio(['check', '--format', 'json', bad]);
      expect(r.code).toBe(1);
      const json = JSON.parse(r.stdout) as { ok: boolean; diagnostics: { code: string; severity: string; span: { line: number; column: number } }[] };
      expect(json.ok).toBe(false);
      expect(json.diagnostics.map((d) => [d.code, d.severity, d.span.line, d.span.column])).toEqual([
        ['RIO2016', 'warning', 4, 5],
        ['RIO2001', 'error', 6, 5],
      ]);
    });

    it('a missing file: exit 2', async () => {
      expectUsageError(await rio(['check', 'specs/no-such-spec.rio']), "rio: cannot read 'specs/no-such-spec.rio': no such file");
    });

    it('a directory: exit 2', async () => {
      expectUsageError(await rio(['check', 'specs']), "rio: cannot read 'specs': it is a directory");
    });

    it('a bad --format: exit 2', async () => {
      expectUsageError(await rio(['check', '--format', 'xml', 'specs/paxos.rio']), /Invalid values:[\s\S]*format/);
    });

    it('an unknown flag: exit 2 with a clear message', async () => {
      const r = await rio(['check', 'specs/paxos.rio', '--bogus']);
      expectUsageError(r, "rio: Unknown argument: bogus\nRun 'rio --help' for usage.");
    });

    /** Regression: yargs' fail() recorded the message and the command handler ran all the same. */
    it('an unknown flag stops the command before it runs', async () => {
      const r = await rio(['check', 'specs/paxos.rio', '--bogus']);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
    });
  });

  describe.concurrent('rio compile', () => {
    it('--check on the committed generated/ exits 0', async () => {
      const r = await rio(['compile', '--check', ...specs]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('rio compile --check: 5 generated files up to date in generated\n');
      expect(r.stderr).toBe('');
    });

    it('--check on a stale output directory exits 1 and names the file', async () => {
      const out = mkdtempSync(join(tmp, 'out-'));
      const spec = 'specs/bracha-broadcast.rio';
      const wrote = await rio(['compile', spec, '-o', out]);
      expect(wrote.code).toBe(0);
      expect(wrote.stdout).toBe(`rio compile: wrote ${join(out, 'bracha-broadcast.ts')}\n`);
      appendFileSync(join(out, 'bracha-broadcast.ts'), '// edited by hand\n');
      const stale = await rio(['compile', '--check', spec, '-o', out]);
      expect(stale.code).toBe(1);
      expect(stale.stdout).toBe('');
      expect(stale.stderr).toBe(
        `rio compile --check: 1 generated file is out of date: ${join(out, 'bracha-broadcast.ts')}\n` +
          `run 'rio compile ${spec} -o ${out}' and commit the result\n`,
      );
      expect(readFileSync(join(out, 'bracha-broadcast.ts'), 'utf8').endsWith('// edited by hand\n')).toBe(true); // --check writes nothing
    });

    it('--check with a generated file missing exits 1', async () => {
      const out = mkdtempSync(join(tmp, 'out-'));
      const r = await rio(['compile', '--check', 'specs/two-phase-commit.rio', '-o', out]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`rio compile --check: 1 generated file is out of date: ${join(out, 'two-phase-commit.ts')}`);
      expect(readdirSync(out)).toEqual([]);
    });

    /** Regression: a mistyped --check (`--chek`) wrote the files (over generated/), then exited 2. */
    it('an unknown flag writes nothing', async () => {
      const out = mkdtempSync(join(tmp, 'out-'));
      const r = await rio(['compile', 'specs/bracha-broadcast.rio', '-o', out, '--chek']);
      expectUsageError(r, 'Unknown argument: chek');
      expect(readdirSync(out)).toEqual([]);
    });

    it('a spec with errors writes nothing and exits 1', async () => {
      const out = mkdtempSync(join(tmp, 'out-'));
      const bad = join(tmp, 'bad-compile.rio');
      writeFileSync(bad, 'protocol Bad\n  parameters n: Nat\n  upon start\n    y := 1\n');
      const r = await rio(['compile', bad, '-o', out]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("error RIO2001: unknown name 'y'");
      expect(r.stderr).toContain('rio compile: no files written: the specs have errors');
      expect(readdirSync(out)).toEqual([]);
    });
  });

  describe.concurrent('rio simulate: violations, reports, traces and replay', () => {
    const mutant = 'tests/mutants/two-phase-commit/own-vote-ignored.rio';
    const liveness = 'tests/mutants/bracha-broadcast/byzantine-beyond-bound.rio';
    const beyondArgs = ['--faults', 'byzantine=0:equivocate,byzantine=2:replay', '--beyond-faults'];
    /** Simulations with --trace, and the replays of their traces: run once, concurrently. */
    const runs: Record<string, { run: Run; trace: string; replay: Run }> = {};
    const cases: Record<string, string[]> = {
      // a mutant: own vote ignored, first violating seed 41 (0x29)
      mutant: ['simulate', mutant, '--seeds', '1..100'],
      // the bundled spec run with two Byzantine processes of four (beyond its bound): agreement fails at seed 26
      beyond: ['simulate', 'specs/bracha-broadcast.rio', ...beyondArgs, '--seeds', '20..40'],
      // a liveness violation (not shrunk)
      liveness: ['simulate', liveness, '--seed', '4'],
    };
    beforeAll(async () => {
      await Promise.all(
        Object.entries(cases).map(async ([name, args]) => {
          const trace = join(tmp, `${name}.trace`);
          const run = await rio([...args, '--trace', trace]);
          const replay = await rio(['replay', trace]);
          runs[name] = { run, trace, replay };
        }),
      );
    }, 60_000);

    it('a mutant: exit 1, VIOLATION of the property, and a reproduce line', () => {
      const { run } = runs['mutant']!;
      expect(run.code).toBe(1);
      expect(run.stderr).toBe('');
      expect(run.stdout).toContain("seed 0x29: VIOLATION of 'validity' (always) at step 10, t=10");
      expect(run.stdout).toContain("verdict: VIOLATION of 'validity' (always)");
      expect(run.stdout).toContain(`reproduce: rio simulate ${mutant} --seed 0x29\n`);
      expect(run.stdout).toContain('1 violation in 41 seeds (stopped at the first; --all runs every seed): 0x29 validity');
      expect(run.stdout).toMatch(/counterexample, shrunk from 11 to \d+ steps:/);
    });

    /**
     * Regression: renderTraceReport printed `view.state(p)`, which holds the variables of every
     * role, so the coordinator's line showed the participants' `vote` and `attempt` (at their
     * defaults) and each participant's line the coordinator's `ownVote` and `yesFrom`.
     */
    it("the end state lists each process's own variables (regression: the coordinator also showed the participants' vote and attempt)", () => {
      const { run } = runs['mutant']!;
      const coordinator = /^ {2}p0: (.*)$/m.exec(run.stdout)?.[1];
      const participant = /^ {2}p1: (.*)$/m.exec(run.stdout)?.[1];
      expect(coordinator).toContain('ownVote=no');
      expect(participant).toContain('vote=yes');
      expect(coordinator).not.toMatch(/\b(vote|attempt)=/);
      expect(participant).not.toMatch(/\b(ownVote|yesFrom)=/);
    });

    it('the reproduce line has every option the run needs, and reproduces it', async () => {
      const { run } = runs['beyond']!;
      expect(run.code).toBe(1);
      const line = /^reproduce: (.*)$/m.exec(run.stdout)?.[1];
      expect(line).toBe("rio simulate specs/bracha-broadcast.rio --seed 0x1a --faults 'byzantine=0:equivocate,byzantine=2:replay' --beyond-faults");
      const again = await sh(line!);
      expect(again.code).toBe(1);
      const verdict = (s: string) => /^seed 0x[0-9a-f]+: VIOLATION .*$/m.exec(s)?.[0];
      expect(verdict(again.stdout)).toBe("seed 0x1a: VIOLATION of 'agreement' (always) at step 20, t=25, under faults: p0 Byzantine (equivocate), p2 Byzantine (replay)");
      expect(verdict(again.stdout)).toBe(verdict(run.stdout));
      expect(reportBlockOrAll(again.stdout)).toBe(reportBlock(run.stdout));
    });

    it.each(['mutant', 'beyond'])('%s: rio replay prints exactly the report block of the simulate run', (name) => {
      const { run, replay, trace } = runs[name]!;
      expect(run.code).toBe(1);
      expect(run.stdout).toContain(`trace written to ${trace} (replay it with: rio replay ${trace})`);
      expect(replay.code).toBe(1);
      expect(replay.stderr).toBe('');
      expect(replay.stdout).toBe(reportBlock(run.stdout) + '\n');
    });

    it('a liveness violation is reported as it ran, not shrunk', () => {
      const { run, replay } = runs['liveness']!;
      expect(run.code).toBe(1);
      expect(run.stdout).toContain("verdict: VIOLATION of 'validity' (eventually) at step 95");
      expect(run.stdout).toContain('counterexample:\n');
      expect(run.stdout).not.toContain('shrunk from');
      expect(replay.code).toBe(1);
      expect(replay.stdout).toContain("verdict: VIOLATION of 'validity' (eventually) at step 95");
    });

    /**
     * Regression: simulate rendered the violation it found (time: the end of the run, t=520,
     * and "stable since t=0"); replay renders the violation replaySteps finds (time: the last
     * applied step, t=515, no "stable since"): the verdict lines differed.
     */
    it('liveness: rio replay prints exactly the report block of the simulate run', () => {
      const { run, replay } = runs['liveness']!;
      expect(replay.stdout).toBe(reportBlock(run.stdout) + '\n');
    });

    it('replay --json', async () => {
      const r = await rio(['replay', '--json', runs['mutant']!.trace]);
      expect(r.code).toBe(1);
      expect(JSON.parse(r.stdout)).toEqual({ verdict: 'violation', recorded: 'violation', same: true, property: 'validity', steps: 7 });
    });

    it('--json: one object with verdict, property and seed', async () => {
      const r = await rio(['simulate', 'specs/bracha-broadcast.rio', ...beyondArgs, '--seeds', '10..30', '--json']);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe('');
      const json = JSON.parse(r.stdout) as Record<string, any>;
      expect(json).toMatchObject({ verdict: 'violation', property: 'agreement', seed: 26, protocol: 'BrachaBroadcast', seeds: { first: 10, last: 30, ran: 17 } });
      expect(json['shrunkSteps']).toBeLessThanOrEqual(json['steps']);
      expect(json['violations']).toEqual([{ seed: 26, property: 'agreement', kind: 'always', step: 20, time: 25 }]);
    });

    it('--json of a run that holds', async () => {
      const r = await rio(['simulate', 'specs/bracha-broadcast.rio', '--seeds', '1..5', '--json']);
      expect(r.code).toBe(0);
      const json = JSON.parse(r.stdout) as Record<string, any>;
      expect(json).toMatchObject({ verdict: 'ok', spec: 'specs/bracha-broadcast.rio', params: { n: 4, f: 1, sender: 0 }, seeds: { first: 1, last: 5, ran: 5 }, violations: [] });
      expect(json['property']).toBeUndefined();
    });

    it('a run that holds: exit 0 and a summary', async () => {
      const r = await rio(['simulate', 'specs/echo-broadcast.rio', '--seeds', '1..20']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('ok: 20 seeds (0x1..0x14), every property held: consistency (always), noDuplication (always), integrity (always), validity (eventually)');
      expect(r.stdout).toMatch(/summary: 20 seeds, \d+ events, \d+ messages delivered, \d+ events\/s/);
    });

    it('--trace of a run that holds writes a trace that replays ok', async () => {
      const trace = join(tmp, 'ok.trace');
      const r = await rio(['simulate', 'specs/two-phase-commit.rio', '--seed', '3', '--trace', trace]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`trace written to ${trace}\n`);
      const replay = await rio(['replay', trace]);
      expect(replay.code).toBe(0);
      expect(replay.stdout).toMatch(/^verdict: ok — every property held \(\d+ steps\)\n/);
    });
  });

  /** Like reportBlock, for runs without --trace: from `verdict:` to the `reproduce:` line. */
  function reportBlockOrAll(stdout: string): string {
    const lines = stdout.split('\n');
    return lines.slice(lines.findIndex((l) => l.startsWith('verdict: ')), lines.findIndex((l) => l.startsWith('reproduce: '))).join('\n');
  }

  describe.concurrent('rio replay of bad traces', () => {
    let good: string[];
    beforeAll(async () => {
      const path = join(tmp, 'replay-source.trace');
      const r = await rio(['simulate', 'specs/bracha-broadcast.rio', '--seed', '3', '--trace', path]);
      expect(r.code).toBe(0);
      good = readFileSync(path, 'utf8').trimEnd().split('\n');
    });
    const write = (name: string, lines: readonly string[]) => {
      const path = join(tmp, `${name}.trace`);
      writeFileSync(path, lines.join('\n') + '\n');
      return path;
    };
    const header = (f: (h: Record<string, any>) => void) => {
      const h = JSON.parse(good[0]!) as Record<string, any>;
      f(h);
      return [JSON.stringify(h), ...good.slice(1)];
    };

    it('the unmodified trace replays ok', async () => {
      const r = await rio(['replay', write('good', good)]);
      expect(r.code).toBe(0);
    });

    it('a missing file: exit 2', async () => {
      expectUsageError(await rio(['replay', join(tmp, 'nope.trace')]), `rio: cannot read '${join(tmp, 'nope.trace')}': no such file`);
    });

    it.each([
      ['truncated (no verdict line)', (g: string[]) => g.slice(0, -1), (p: string, g: string[]) => `rio: ${p}: line ${g.length - 1}: the trace ends without a verdict line (is it truncated?)\n`],
      ['cut in the middle of a line', (g: string[]) => [...g.slice(0, 5), g[5]!.slice(0, 20)], (p: string) => `rio: ${p}: line 6: not valid JSON (is the file truncated or edited?)\n`],
      ['not a trace', () => ['{"hello": "world"}'], (p: string) => `rio: ${p}: line 1: not a rio trace (the header must have "format": "rio-trace")\n`],
      ['an unknown event kind', (g: string[]) => [g[0]!, g[1]!.replace('"start"', '"explode"'), ...g.slice(2)], (p: string) => `rio: ${p}: line 2: unknown event kind "explode"\n`],
    ])('%s: exit 2 and one clear line', async (name, edit, message) => {
      const path = write(name.replace(/\W+/g, '-'), edit(good));
      const r = await rio(['replay', path]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(message(path, good));
    });

    it('an event of a process the run does not have: exit 2 (regression: was exit 3, internal compiler error)', async () => {
      const path = write('p99', [good[0]!, good[1]!.replace('"process":0', '"process":99'), ...good.slice(2)]);
      const r = await rio(['replay', path]);
      expectUsageError(r, /99/);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    });

    it('parameters that do not fit the protocol: exit 2 (regression: was exit 3)', async () => {
      const path = write('params', header((h) => delete h['params']['n']));
      expectUsageError(await rio(['replay', path]), /param|'n'/);
    });

    it('a protocol the spec does not declare: exit 2 (regression: was exit 3)', async () => {
      const path = write('protocol', header((h) => (h['protocol'] = 'NoSuchProtocol')));
      expectUsageError(await rio(['replay', path]), 'NoSuchProtocol');
    });

    it('a trace of another version of the spec: exit 2, "from another version"', async () => {
      const dir = mkdtempSync(join(tmp, 'edited-'));
      const spec = join(dir, 'bracha-broadcast.rio');
      copyFileSync(join(repo, 'specs', 'bracha-broadcast.rio'), spec);
      const trace = join(dir, 'run.trace');
      const sim = await rio(['simulate', spec, '--seed', '3', '--trace', trace]);
      expect(sim.code).toBe(0);
      expect((await rio(['replay', trace])).code).toBe(0);
      appendFileSync(spec, '// edited after the run\n');
      const r = await rio(['replay', trace]);
      expectUsageError(r, `rio: ${trace} was recorded from another version of ${spec} (spec hash `);
      expect(r.stderr).toContain('re-run the simulation to get a trace of this version');
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stdout).toBe('');
    });
  });

  describe.concurrent('rio simulate: bad option values exit 2 with a clear message', () => {
    const bracha = 'specs/bracha-broadcast.rio';
    const params = ['--param', 'n=4', '--param', 'f=1', '--param', 'sender=0'];
    const cases: [string, string[], string | RegExp][] = [
      ['--param without =', ['--param', 'n'], "rio: --param 'n' must look like name=value"],
      ['--param unknown', ['--param', 'zz=3'], "rio: 'zz' is not a parameter of BrachaBroadcast (its parameters: n, f, sender)"],
      ['--param not a number', ['--param', 'n=abc'], `rio: parameter 'n': "abc" is not a nat`],
      ['--param negative', ['--param', 'n=-4'], "rio: parameter 'n': -4 is not a nat"],
      ['--param not a value', ['--param', 'n=1.5'], "rio: '1.5' is not a value"],
      ['--param breaking assume', ['--param', 'n=3'], "rio: the parameters break the spec's assumption: 'assume n > 3 * f'"],
      ['--network loss out of range', ['--network', 'loss=2'], 'rio: --network loss=2: expected a number in [0, 1]'],
      ['--network bad delay', ['--network', 'delay=5..1'], 'rio: --network delay=5..1: expected MIN..MAX, e.g. delay=1..10'],
      ['--network unknown setting', ['--network', 'jitter=3'], "rio: --network: unknown setting 'jitter' (known: delay, loss, dup, gst, partition)"],
      ['--network bad partition', ['--network', 'partition=0+1@5'], 'rio: --network partition=0+1@5: expected GROUPS@FROM..TO'],
      ['--request unknown', [...params, '--request', 'nope(1)'], "rio: 'nope' is not a request of BrachaBroadcast (its requests: broadcast)"],
      ['--request wrong arity', [...params, '--request', 'broadcast(1,2)'], "rio: request 'broadcast' takes 1 argument, not 2"],
      ['--request at the wrong process', [...params, '--request', 'broadcast(1) on 3'], "rio: request 'broadcast' is taken only at process 0, not 3"],
      ['--request at no process', [...params, '--request', 'broadcast(1) on 9'], 'rio: process 9 does not exist (processes are 0..3)'],
      ['--request malformed', [...params, '--request', 'broadcast(1) at soon'], "rio: --request 'broadcast(1) at soon' must look like 'name(args) at TIME [on PROCESS]'"],
      ['--request without parameters', ['--request', 'broadcast(1)'], "rio: missing parameters 'n', 'f', 'sender': give --param n=... --param f=... --param sender=..."],
      ['--seeds empty', ['--seeds', '5..1'], 'rio: --seeds 5..1: the range is empty'],
      ['--seeds malformed', ['--seeds', '1..'], "rio: --seeds '1..' must look like A..B, e.g. 1..1000"],
      ['--seeds not numbers', ['--seeds', 'a..b'], "rio: --seed 'a' is not a number (decimal or 0x hex)"],
      ['--seed negative', ['--seed', '-1'], "rio: --seed '-1' is not a number (decimal or 0x hex)"],
      ['--seed too large', ['--seed', '0x20000000000000'], "rio: --seed '0x20000000000000' is not a number (decimal or 0x hex)"],
      ['--seed and --seeds', ['--seed', '1', '--seeds', '1..2'], 'rio: give either --seed or --seeds, not both'],
      ['--scenario unknown', ['--scenario', 'nope'], "rio: no scenario 'nope' in specs/bracha-broadcast.rio (scenarios: oneBroadcast)"],
      ['an unknown flag', ['--sede', '5'], "rio: Unknown argument: sede\nRun 'rio --help' for usage."],
    ];
    it.each(cases)('%s', async (_, args, message) => {
      const r = await rio(['simulate', bracha, ...args]);
      expectUsageError(r, message);
    });

    /**
     * Regression: in text mode the header line 'faults: ...' built the fault plan outside the
     * try that turns a PlanError into a usage error: exit 3 without --json, exit 2 with it.
     */
    const faultCases: [string, string, string][] = [
      ['malformed', 'garbage', "rio: --faults 'garbage': expected byzantine=P[:strategy[(TYPE+TYPE)]], crash=P@TIME, restart=P@TIME or none"],
      ['crash without time', 'crash=1', "rio: --faults 'crash=1': expected byzantine=P[:strategy[(TYPE+TYPE)]], crash=P@TIME, restart=P@TIME or none"],
      ['no such process', 'byzantine=9', 'rio: --faults: process 9 does not exist (processes are 0..3)'],
      ['unknown strategy', 'byzantine=1:evil', "rio: --faults: unknown Byzantine strategy 'evil' (known: silent, equivocate, replay, arbitrary, conflict, twins, withhold, stale, forge)"],
      ['beyond the bound', 'byzantine=1,byzantine=2', "rio: --faults: 2 Byzantine processes, but the spec tolerates 1 ('faults byzantine'); add --beyond-faults to run it anyway"],
    ];
    it.each(faultCases)('--faults %s, with --json', async (_, faults, message) => {
      expectUsageError(await rio(['simulate', bracha, '--faults', faults, '--json']), message);
    });
    it.each(faultCases)('--faults %s (regression: was exit 3 without --json)', async (_, faults, message) => {
      expectUsageError(await rio(['simulate', bracha, '--faults', faults]), message);
    });

    it.each([
      ['--values 0', ['--values', '0', '--faults', 'byzantine=1:arbitrary'], /--values/],
      ['--values -3', ['--values', '-3', '--faults', 'byzantine=1:arbitrary'], /--values/],
      ['--horizon abc', ['--horizon', 'abc'], /--horizon/],
      ['--steps -5', ['--steps', '-5'], /--steps/],
      ['--protocol unknown', ['--protocol', 'Nope'], /Nope/],
      ['--param sender=9 (no such process)', ['--param', 'sender=9'], /sender/],
    ])('%s (regression: was exit 3, internal compiler error, or ran as if valid)', async (_, args, message) => {
      expectUsageError(await rio(['simulate', bracha, ...args]), message);
    });
  });

  describe.concurrent('rio simulate: fault plans and partitions name real, distinct processes', () => {
    /** Regression: parseFaults checked that each process exists, not that it is named once. */
    it("--faults naming one process twice is a usage error (regression: ran with 'p1 Byzantine (equivocate), p1 Byzantine (equivocate)')", async () => {
      const r = await rio(['simulate', 'specs/bracha-broadcast.rio', '--faults', 'byzantine=1,byzantine=1', '--beyond-faults']);
      expectUsageError(r, /p(rocess )?1/);
    });

    it('--faults making one process both Byzantine and crashed is a usage error (regression: ran with "p1 Byzantine (equivocate), p1 crashes at t=5")', async () => {
      const r = await rio(['simulate', 'specs/bracha-broadcast.rio', '--faults', 'crash=1@5,byzantine=1', '--beyond-faults']);
      expectUsageError(r, /p(rocess )?1/);
    });

    /** Regression: parseNetwork does not know the processes, and the partition groups were never checked against them. */
    it('--network partition with a process that does not exist is a usage error (regression: was accepted)', async () => {
      const r = await rio(['simulate', 'specs/bracha-broadcast.rio', '--network', 'partition=0+9|1@0..50']);
      expectUsageError(r, /9/);
    });
  });

  describe.concurrent('rio simulate: scenarios and the fault model', () => {
    /**
     * Regression: the CLI added a scenario's own crashes on top of the spec's full fault model,
     * so echo broadcast's oneCrash ran with one Byzantine and one crashed process of 4 with
     * f = 1, and 'validity' failed in 150 of seeds 1..300 (4, 6, 9, 13, ...). A scenario's
     * crashes are now its whole fault plan.
     */
    it('echo broadcast, scenario oneCrash, holds for seeds 1..10', async () => {
      const r = await rio(['simulate', 'specs/echo-broadcast.rio', '--scenario', 'oneCrash', '--seeds', '1..10']);
      expect(r.stdout).toMatch(/^ok: 10 seeds/m);
      expect(r.code).toBe(0);
    });

    /**
     * Regression: without --scenario the first scenario was run without its crash steps
     * (faultsFor only looked at a scenario named with --scenario), so `rio simulate
     * specs/paxos.rio` and `rio simulate specs/paxos.rio --scenario duel` ran different faults.
     */
    // Regression: a reader that stops early closed the pipe and Node printed an EPIPE stack trace.
    it('rio replay piped into a reader that stops early ends quietly', async () => {
      const trace = join(tmp, 'long.trace');
      expect((await rio(['simulate', 'specs/paxos.rio', '--seed', '1', '--trace', trace])).code).toBe(0);
      const r = await sh(`rio replay '${trace}' | head -1`);
      expect(r.stdout).toBe('verdict: ok — every property held (11993 steps)\n');
      expect(r.stderr).toBe('');
    });

    // Regression (found by the PBFT spec): this was an internal error (exit 3, RIO9001).
    it('rio explore with Byzantine messages it cannot enumerate is a usage error', async () => {
      const r = await rio(['explore', 'specs/pbft.rio', '--time-limit', '5']);
      expectUsageError(r, /^rio: a Byzantine process could send too many different \w+ messages to enumerate/m);
      expect(r.stderr).toContain('explore with --byzantine none');
    });

    it('rio explore --max-timeouts takes a count or none, and a bad one is a usage error', async () => {
      const bad = await rio(['explore', 'specs/paxos.rio', '--max-timeouts', 'two']);
      expectUsageError(bad, /^rio: --max-timeouts 'two': expected a count \(0, 1, 2, \.\.\.\) or 'none'$/m);
      const r = await rio(['explore', 'specs/paxos.rio', '--param', 'learners=1', '--crashes', '0', '--max-states', '200', '--max-timeouts', '0', '--json']);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ verdict: 'ok', complete: false, cutBy: 'maxStates', maxTimeouts: 0 });
    });

    it('rio explore reports the variables assumed never to decrease, and --no-stale keeps the messages their guards reject', async () => {
      const args = ['explore', 'specs/paxos.rio', '--param', 'learners=1', '--crashes', '0', '--max-timeouts', '0', '--json'];
      const [reduced, full] = await Promise.all([rio(args), rio([...args, '--no-stale'])]);
      expect(reduced.code).toBe(0);
      expect(full.code).toBe(0);
      expect(JSON.parse(reduced.stdout)).toMatchObject({ verdict: 'ok', complete: true, states: 839, staleVariables: ['Acceptor.promised', 'Proposer.ballot'], decreasingVariables: [] });
      expect(JSON.parse(full.stdout)).toMatchObject({ verdict: 'ok', complete: true, states: 2154, staleVariables: [], decreasingVariables: [] });
      const text = await rio(args.filter((a) => a !== '--json'));
      expect(text.stdout).toContain('also left out: messages a guard rejects for good while Acceptor.promised, Proposer.ballot never decrease (checked on every step; --no-stale to keep them)');
    });

    it('rio explore takes the learners for observers and does not explore crashes Paxos cannot tell; --no-observers and --explicit-crashes turn them off', async () => {
      const args = ['explore', 'specs/paxos.rio', '--param', 'learners=1', '--max-timeouts', '0', '--json'];
      // (The search with crashes explored is 12,970 states: cut at 3,000 here to keep the test short.)
      const [reduced, interleaved, crashing, text] = await Promise.all([
        rio(args), rio([...args, '--no-observers']), rio([...args, '--explicit-crashes', '--max-states', '3000']), rio(args.filter((a) => a !== '--json')),
      ]);
      expect(JSON.parse(reduced.stdout)).toMatchObject({ verdict: 'ok', complete: true, states: 839, observers: [5], crashesSubsumed: true, crashes: 1 });
      expect(JSON.parse(interleaved.stdout)).toMatchObject({ verdict: 'ok', complete: true, states: 2937, observers: [], crashesSubsumed: true });
      // With a crash to explore, nothing is an observer (a crash of one competes with the others').
      expect(JSON.parse(crashing.stdout)).toMatchObject({ verdict: 'ok', complete: false, cutBy: 'maxStates', states: 3000, observers: [], crashesSubsumed: false });
      expect(text.stdout).toContain("crashes: subsumed (no property reads 'correct'");
      expect(text.stdout).toContain('observers: p5 only listens, so its deliveries were not interleaved');
    }, 120_000);

    it('rio explore --json reports the symmetry reduction, and --no-symmetry turns it off with the same verdict', async () => {
      const mutant = 'tests/mutants/bracha-broadcast/deliver-from-any.rio';
      const [on, off] = await Promise.all([rio(['explore', mutant, '--json']), rio(['explore', mutant, '--json', '--no-symmetry'])]);
      expect(on.code).toBe(1);
      expect(off.code).toBe(1);
      const [a, b] = [JSON.parse(on.stdout), JSON.parse(off.stdout)];
      expect(a.symmetry).toMatchObject({ applied: true, classes: [[1, 2]], renamings: 2 });
      expect(b.symmetry).toEqual({ applied: false, reason: 'off (--no-symmetry)' });
      expect(a.property).toBe('agreement');
      expect(b.property).toBe('agreement');
      expect(a.counterexample).toHaveLength(4);
      expect(b.counterexample).toHaveLength(4);
      const text = await rio(['explore', mutant]);
      expect(text.stdout).toContain('symmetry reduction: on, over {p1, p2} (2 renamings); the count is of states up to renaming');
      expect(text.stdout).toMatch(/^symmetry reduction factor: \d+\.\d\d /m);
    });

    it('the default scenario is run as when it is named, its crashes as the fault plan', async () => {
      const [plain, named] = await Promise.all([
        rio(['simulate', 'specs/paxos.rio', '--seed', '1', '--horizon', '300']),
        rio(['simulate', 'specs/paxos.rio', '--seed', '1', '--horizon', '300', '--scenario', 'duel']),
      ]);
      const faults = (r: Run) => /^ {2}faults \(seed 0x1\): (.*)$/m.exec(r.stdout)?.[1];
      expect(faults(named)).toBe('p2 crashes at t=4');
      expect(faults(plain)).toBe(faults(named));
      expect(plain.stdout).toContain('  faults: p2 crashes at t=4\n');
    });
  });
});
