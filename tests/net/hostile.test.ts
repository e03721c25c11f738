/**
 * A configured but Byzantine peer and a careless application: Bracha's broadcast with
 * n=4, f=1, three correct processes run in this test process, and node 3's keys in the
 * hands of a raw TLS client that sends garbage, an oversize frame and well-framed but
 * ill-typed messages. Each is dropped and counted, nothing throws, and the correct
 * processes still deliver. The HTTP API answers bad requests with a 4xx that says why,
 * and streams indications as server-sent events.
 */
import { join } from 'node:path';
import { connect, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrachaBroadcast } from '../../generated/bracha-broadcast.js';
import { RioClient, RioApiError } from '../../runtime/net/client.js';
import { readNodeKeys } from '../../runtime/net/config.js';
import { encodeFrame, HEADER_BYTES } from '../../runtime/net/frame.js';
import { eventually, makeCluster, startInProcess, type InProcessNode, type TestCluster } from './helpers.js';

const params = { n: 4, f: 1, sender: 0 };
let cluster: TestCluster;
let nodes: InProcessNode[];
let hostile: TLSSocket;

beforeAll(async () => {
  cluster = await makeCluster(4, params);
  nodes = await Promise.all([0, 1, 2].map((id) => startInProcess(cluster, BrachaBroadcast, params, id)));
  const keys = readNodeKeys(join(cluster.dir, 'node-3'));
  const target = cluster.config.nodes[0]!;
  hostile = await new Promise<TLSSocket>((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: target.port, key: keys.tlsKey, cert: keys.tlsCert, ca: [target.certificate], minVersion: 'TLSv1.3', checkServerIdentity: () => undefined });
    socket.once('secureConnect', () => resolve(socket));
    socket.once('error', reject);
  });
});

afterAll(async () => {
  hostile?.destroy();
  await Promise.all(nodes.map((n) => n.stop()));
  cluster.remove();
});

const counters = () => nodes[0]!.host.status().counters;

describe('a Byzantine peer', () => {
  it('has its garbage, oversize and ill-typed frames dropped and counted, and nothing else', async () => {
    await eventually('node 0 sees node 3 connected', () => nodes[0]!.host.status().peersIn.includes(3));
    const raw = (payload: string | Buffer) => {
      const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
      const header = Buffer.alloc(HEADER_BYTES);
      header.writeUInt32BE(body.length);
      hostile.write(Buffer.concat([header, body]));
    };
    raw('this is not json');
    raw(Buffer.from([0xc3, 0x28]));
    const oversize = Buffer.alloc(HEADER_BYTES);
    oversize.writeUInt32BE(5_000_000);
    hostile.write(oversize);
    hostile.write(Buffer.alloc(5_000_000, 0x20)); // skipped as it arrives
    const illTyped = [
      { type: 'ECHO', m: -1 },
      { type: 'ECHO' },
      { type: 'ECHO', m: 1, extra: true },
      { type: 'DELIVER', m: 1 },
      { type: '$via', via: 'rb', key: null, message: { type: 'ECHO', m: 1 } },
      [1, 2, 3],
      'ECHO',
    ];
    for (const m of illTyped) hostile.write(encodeFrame(m));
    hostile.write(encodeFrame({ type: 'ECHO', m: 5 })); // well-typed: it is received
    await eventually('node 0 has judged every frame', () => counters().received >= 1, 10_000);
    expect(counters()).toMatchObject({ droppedMalformed: 2, droppedOversize: 1, droppedIllTyped: illTyped.length, received: 1, specErrors: 0 });
    // The hostile connection was not cut for it, and the correct processes still run the protocol.
    expect(nodes[0]!.host.status().peersIn).toContain(3);
    const client = new RioClient(nodes[0]!.url);
    await client.request({ type: 'broadcast', m: 7 });
    for (const node of nodes) {
      const got = await new RioClient(node.url).waitFor((all) => all.length > 0, 5_000);
      expect(got.map((r) => r.indication)).toEqual([{ type: 'deliver', m: 7 }]);
    }
  });
});

describe('the HTTP API', () => {
  const post = (node: number, body: string, type = 'application/json') =>
    fetch(`${nodes[node]!.url}/requests`, { method: 'POST', headers: { 'content-type': type }, body }).then(async (r) => ({ status: r.status, body: (await r.json()) as { error?: string } }));

  it('answers bad requests with a 4xx that says what is wrong', async () => {
    expect(await post(0, '{"type":"broadcast","m":')).toEqual({ status: 400, body: { error: expect.stringMatching(/^the body is not JSON: /) } });
    expect(await post(0, '{"type":"broadcast","m":"seven"}')).toEqual({ status: 422, body: { error: 'broadcast.m: expected a Value (a non-negative integer), got "seven"' } });
    expect(await post(0, '{"type":"shout","m":1}')).toEqual({ status: 422, body: { error: "'shout' is not a request of BrachaBroadcast (known: broadcast)" } });
    expect(await post(0, '{"type":"broadcast"}')).toEqual({ status: 422, body: { error: "broadcast lacks field 'm'" } });
    expect(await post(1, '{"type":"broadcast","m":1}')).toEqual({ status: 422, body: { error: "request 'broadcast' is taken only at process 0; this is process 1" } });
    expect(await post(0, 'm=1', 'application/x-www-form-urlencoded')).toEqual({ status: 415, body: { error: "send the request as JSON with content-type application/json (got 'application/x-www-form-urlencoded')" } });
    expect(await post(0, JSON.stringify({ type: 'broadcast', m: 1, pad: 'x'.repeat(70_000) }))).toEqual({ status: 413, body: { error: 'the body is larger than 65536 bytes' } });
    const get = await fetch(`${nodes[0]!.url}/requests`);
    expect([get.status, get.headers.get('allow'), await get.json()]).toEqual([405, 'POST', { error: 'GET is not allowed on /requests (allowed: POST)' }]);
    const missing = await fetch(`${nodes[0]!.url}/nope`);
    expect(missing.status).toBe(404);
    const after = await fetch(`${nodes[0]!.url}/indications?after=x`);
    expect([after.status, await after.json()]).toEqual([400, { error: "'after' must be a non-negative integer (the last seq you have)" }]);
    await expect(new RioClient(nodes[0]!.url).request({ type: 'broadcast', m: -1 } as never)).rejects.toEqual(new RioApiError(422, 'broadcast.m: expected a Value (a non-negative integer), got -1'));
    expect(counters().requests).toBe(1); // only the good request of the first test got through
  });

  it('streams indications as server-sent events, from the start or after a given seq', async () => {
    const client = new RioClient<{ type: 'broadcast'; m: number }, { type: 'deliver'; m: number }>(nodes[2]!.url);
    const abort = new AbortController();
    const stream = client.stream(0, abort.signal);
    const first = await stream.next();
    expect(first.value).toMatchObject({ seq: 1, indication: { type: 'deliver', m: 7 } });
    abort.abort();
    const { indications, next } = await client.indications(1);
    expect([indications, next]).toEqual([[], 1]);
    const state = await client.state();
    expect(state.vars).toEqual({ sentEcho: true, sentReady: true, delivered: 7 });
  });
});
