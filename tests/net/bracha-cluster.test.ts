/**
 * Bracha's broadcast on 4 real processes through `rio cluster` (fresh keys, mutual TLS on
 * loopback, requests over HTTP): every process delivers the broadcast value; with one
 * process SIGKILLed right after the broadcast started, the other three still deliver it.
 * Needs the build (dist/), as `npm test` makes it.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cli, repo } from './helpers.js';

interface Summary {
  protocol: string;
  processes: { process: number; up: boolean; indications: unknown[]; counters: Record<string, number> | null }[];
  exitCode: number;
}

function cluster(args: readonly string[]): Promise<{ code: number; summary: Summary; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [cli, 'cluster', 'specs/bracha-broadcast.rio', '--json', '--tick-ms', '50', '--duration', '200', '--until-each', '1', ...args], { cwd: repo, timeout: 20_000 }, (error, stdout, stderr) => {
      if (error !== null && typeof error.code !== 'number') return reject(error);
      try {
        resolve({ code: error === null ? 0 : Number(error.code), summary: JSON.parse(stdout) as Summary, stderr });
      } catch {
        reject(new Error(`rio cluster printed no JSON summary:\n${stdout}\n${stderr}`));
      }
    });
  });
}

describe('Bracha broadcast on 4 processes', () => {
  it('every process delivers the same message', async () => {
    const { code, summary, stderr } = await cluster(['--nodes', '4', '--request', 'broadcast(7) at 0 on 0']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(summary.processes.map((p) => [p.process, p.up, p.indications])).toEqual([0, 1, 2, 3].map((p) => [p, true, [{ type: 'deliver', m: 7 }]]));
    for (const p of summary.processes) expect(p.counters).toMatchObject({ droppedMalformed: 0, droppedOversize: 0, droppedIllTyped: 0, specErrors: 0 });
    // Each process had broadcast its READY (4 sends) and heard 2f + 1 = 3 READYs before it delivered.
    for (const p of summary.processes) {
      expect(p.counters!['sent']).toBeGreaterThanOrEqual(4);
      expect(p.counters!['received']).toBeGreaterThanOrEqual(3);
    }
  }, 20_000);

  it('with one process killed (SIGKILL) mid-run, the others still deliver', async () => {
    const { code, summary } = await cluster(['--nodes', '4', '--request', 'broadcast(9) at 2 on 0', '--kill', '3@2']);
    expect(code).toBe(0);
    const [p0, p1, p2, p3] = summary.processes;
    for (const p of [p0!, p1!, p2!]) expect([p.up, p.indications]).toEqual([true, [{ type: 'deliver', m: 9 }]]);
    expect(p3!.up).toBe(false);
    expect(p3!.counters).toBeNull();
  }, 20_000);

  it('stops every process it started on Ctrl-C (SIGINT)', async () => {
    const child = spawn(process.execPath, [cli, 'cluster', 'specs/bracha-broadcast.rio', '--duration', '100000'], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    const ready = new Promise<void>((resolve) =>
      child.stdout.on('data', (chunk: string) => {
        stdout += chunk;
        if (stdout.includes('all 4 processes ready')) resolve();
      }),
    );
    await ready;
    const dir = /in (\S+rio-cluster-\S+)/.exec(stdout)![1]!;
    const running = () => execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(dir)).length;
    expect(running()).toBe(4);
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(130);
    expect(stdout).toContain('interrupted');
    expect(stdout).toMatch(/summary: 4 processes/);
    expect(running()).toBe(0);
    expect(existsSync(dir)).toBe(false);
  }, 20_000);
});
