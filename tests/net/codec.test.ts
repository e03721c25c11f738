/**
 * Framing and validation of what peers send: split and joined frames, garbage, oversize
 * frames (skipped without losing the stream), and messages that are well framed but
 * ill-typed against the module's descriptors, including non-canonical sets and maps and
 * `$via` envelopes of sub-modules. Nothing here may throw on hostile input.
 */
import { describe, expect, it } from 'vitest';
import { BrachaBroadcast } from '../../generated/bracha-broadcast.js';
import { Paxos } from '../../generated/paxos.js';
import type { ProtocolModule, TypeDesc } from '../../runtime/replica/contract.js';
import { encodeFrame, FrameDecoder, HEADER_BYTES } from '../../runtime/net/frame.js';
import { checkEvent, checkValue, checkWire } from '../../runtime/net/validate.js';

const limits = { processCount: 4, maxDepth: 32 };

describe('frames', () => {
  it('decodes frames split at every byte and frames joined in one chunk', () => {
    const messages = [{ type: 'ECHO', m: 7 }, { type: 'READY', m: 1 }, { type: 'SEND', m: 0 }];
    const bytes = Buffer.concat(messages.map(encodeFrame));
    const oneByOne = new FrameDecoder();
    const got: unknown[] = [];
    for (let i = 0; i < bytes.length; i++) for (const d of oneByOne.push(bytes.subarray(i, i + 1))) got.push(d);
    expect(got).toEqual(messages.map((value) => ({ kind: 'message', value })));
    expect(new FrameDecoder().push(bytes)).toEqual(messages.map((value) => ({ kind: 'message', value })));
    expect(oneByOne.pendingBytes).toBe(0);
  });

  it('reports garbage payloads as malformed and keeps decoding the frames after them', () => {
    const garbage = Buffer.from('{not json', 'utf8');
    const header = Buffer.alloc(HEADER_BYTES);
    header.writeUInt32BE(garbage.length);
    const badUtf8 = Buffer.from([0xff, 0xfe, 0x22]);
    const header2 = Buffer.alloc(HEADER_BYTES);
    header2.writeUInt32BE(badUtf8.length);
    const out = new FrameDecoder().push(Buffer.concat([header, garbage, header2, badUtf8, encodeFrame({ type: 'ECHO', m: 1 })]));
    expect(out.map((d) => d.kind)).toEqual(['malformed', 'malformed', 'message']);
    expect(out[0]).toMatchObject({ reason: expect.stringContaining('not JSON') });
    expect(out[1]).toEqual({ kind: 'malformed', reason: 'payload is not UTF-8' });
  });

  it('skips an oversize frame without buffering it and stays in sync', () => {
    const decoder = new FrameDecoder(100);
    const header = Buffer.alloc(HEADER_BYTES);
    header.writeUInt32BE(10_000);
    expect(decoder.push(header)).toEqual([{ kind: 'oversize', length: 10_000 }]);
    // The 10 000 bytes arrive in pieces; none is kept.
    for (let i = 0; i < 10; i++) {
      expect(decoder.push(Buffer.alloc(999, 0x41))).toEqual([]);
      expect(decoder.pendingBytes).toBe(0);
    }
    expect(decoder.push(Buffer.concat([Buffer.alloc(10, 0x41), encodeFrame({ type: 'SEND', m: 3 })]))).toEqual([{ kind: 'message', value: { type: 'SEND', m: 3 } }]);
  });

  it('hands out at most the frames asked for and keeps the rest for later', () => {
    const decoder = new FrameDecoder();
    const bytes = Buffer.concat([1, 2, 3].map((m) => encodeFrame({ type: 'ECHO', m })));
    expect(decoder.push(bytes, 2).map((d) => (d as { value: { m: number } }).value.m)).toEqual([1, 2]);
    expect(decoder.push(Buffer.alloc(0), 0)).toEqual([]);
    expect(decoder.push(Buffer.alloc(0), 5)).toEqual([{ kind: 'message', value: { type: 'ECHO', m: 3 } }]);
    expect(decoder.pendingBytes).toBe(0);
  });

  it('accepts a frame of exactly the maximum size', () => {
    const frame = encodeFrame('x'.repeat(98)); // "xxx...": 100 bytes of JSON
    expect(frame.length - HEADER_BYTES).toBe(100);
    expect(new FrameDecoder(100).push(frame)).toEqual([{ kind: 'message', value: 'x'.repeat(98) }]);
    expect(new FrameDecoder(99).push(frame)[0]).toEqual({ kind: 'oversize', length: 100 });
  });
});

describe('values against their types', () => {
  const setOfNat: TypeDesc = { kind: 'set', of: { kind: 'nat' } };
  const mapProcNat: TypeDesc = { kind: 'map', key: { kind: 'process' }, value: { kind: 'nat' } };
  const record: TypeDesc = { kind: 'record', name: 'Vote', fields: [{ name: 'who', type: { kind: 'process' } }, { name: 'ok', type: { kind: 'bool' } }] };

  it('accepts canonical values', () => {
    expect(checkValue(setOfNat, [1, 2, 5], limits, 'x')).toBeNull();
    expect(checkValue(mapProcNat, [[0, 9], [3, 1]], limits, 'x')).toBeNull();
    expect(checkValue(record, { who: 3, ok: false }, limits, 'x')).toBeNull();
    expect(checkValue({ kind: 'option', of: { kind: 'nat' } }, null, limits, 'x')).toBeNull();
    expect(checkValue({ kind: 'tuple', elements: [{ kind: 'int' }, { kind: 'string' }] }, [-3, 'a'], limits, 'x')).toBeNull();
    expect(checkValue({ kind: 'enum', name: 'Stage', members: ['idle', 'done'] }, 'done', limits, 'x')).toBeNull();
  });

  it('rejects unsorted or duplicated sets and map keys, with where and why', () => {
    expect(checkValue(setOfNat, [2, 1], limits, 'm.s')).toBe('m.s: a Set must be sorted without duplicates (element 1 is not greater than element 0)');
    expect(checkValue(setOfNat, [1, 1], limits, 'm.s')).toMatch(/sorted without duplicates/);
    expect(checkValue(mapProcNat, [[3, 1], [0, 9]], limits, 'm.k')).toBe("m.k: a Map's keys must be sorted without duplicates (key 1 is not greater than key 0)");
    expect(checkValue(mapProcNat, [[0, 1, 2]], limits, 'm.k')).toBe('m.k[0]: expected a [key, value] pair, got an array of 3');
  });

  it('rejects wrong scalars, out-of-range processes, extra and missing record fields', () => {
    expect(checkValue({ kind: 'nat' }, -1, limits, 'b')).toBe('b: expected a Nat (a non-negative integer), got -1');
    expect(checkValue({ kind: 'nat' }, 1.5, limits, 'b')).toMatch(/expected a Nat/);
    expect(checkValue({ kind: 'nat' }, '1', limits, 'b')).toMatch(/expected a Nat/);
    expect(checkValue({ kind: 'value' }, 2 ** 60, limits, 'b')).toMatch(/expected a Value/);
    expect(checkValue({ kind: 'process' }, 4, limits, 'p')).toBe('p: expected a Process (0..3), got 4');
    expect(checkValue(record, { who: 1, ok: true, extra: 1 }, limits, 'r')).toBe("r: Vote has no field 'extra'");
    expect(checkValue(record, { who: 1 }, limits, 'r')).toBe("r: Vote lacks field 'ok'");
    expect(checkValue({ kind: 'enum', name: 'Stage', members: ['idle', 'done'] }, 'gone', limits, 's')).toBe('s: expected one of idle, done, got "gone"');
  });

  it('stops at the depth limit instead of recursing without bound', () => {
    let deep: unknown = [];
    let type: TypeDesc = { kind: 'seq', of: { kind: 'nat' } };
    for (let i = 0; i < 100; i++) {
      deep = [deep];
      type = { kind: 'seq', of: type };
    }
    expect(checkValue(type, deep, limits, 'd')).toMatch(/nested deeper than 32/);
  });
});

describe('messages against the module', () => {
  it('accepts each message type of Paxos and rejects ill-typed ones', () => {
    const paxos = { ...limits, processCount: 7 };
    expect(checkWire(Paxos, { type: 'PROMISE', b: 3, ab: null, av: null }, paxos)).toBeNull();
    expect(checkWire(Paxos, { type: 'PROMISE', b: 3, ab: 2, av: 5 }, paxos)).toBeNull();
    expect(checkWire(Paxos, { type: 'PROMISE', b: 3, ab: 'x', av: 5 }, paxos)).toBe('PROMISE.ab: expected a Nat (a non-negative integer), got "x"');
    expect(checkWire(Paxos, { type: 'ACCEPT', b: 3 }, paxos)).toBe("ACCEPT lacks field 'v'");
    expect(checkWire(Paxos, { type: 'propose', v: 1 }, paxos)).toBe("'propose' is not a message of Paxos (known: PREPARE, PROMISE, ACCEPT, ACCEPTED)");
    expect(checkWire(Paxos, [1, 2], paxos)).toBe('expected a message of Paxos (an object with a "type"), got an array of 2');
    expect(checkWire(Paxos, null, paxos)).toMatch(/expected a message of Paxos/);
    expect(checkWire(Paxos, { type: 'PREPARE', b: 1, sender: 2 }, paxos)).toBe("PREPARE has no field 'sender'");
  });

  it('checks requests against the request descriptors', () => {
    expect(checkEvent(BrachaBroadcast.requests, { type: 'broadcast', m: 7 }, limits, 'request of BrachaBroadcast')).toBeNull();
    expect(checkEvent(BrachaBroadcast.requests, { type: 'broadcast', m: true }, limits, 'request of BrachaBroadcast')).toBe('broadcast.m: expected a Value (a non-negative integer), got true');
    expect(checkEvent(BrachaBroadcast.requests, { type: 'deliver', m: 1 }, limits, 'request of BrachaBroadcast')).toBe("'deliver' is not a request of BrachaBroadcast (known: broadcast)");
  });

  it('carries $via envelopes and checks the inner message against the sub-module', () => {
    // A protocol using Bracha's broadcast as a keyed sub-module `rb` (no bundled spec has `uses` yet).
    const app = {
      ...BrachaBroadcast,
      name: 'App',
      messages: [],
      modules: [{ alias: 'rb', keyed: true, protocol: () => BrachaBroadcast, params: () => ({}) }],
    } as unknown as ProtocolModule<any, any>;
    const good = { type: '$via', via: 'rb', key: [2, 1], message: { type: 'ECHO', m: 7 } };
    expect(checkWire(app, good, limits)).toBeNull();
    expect(checkWire(app, { ...good, message: { type: 'ECHO', m: -7 } }, limits)).toBe('$via rb: ECHO.m: expected a Value (a non-negative integer), got -7');
    expect(checkWire(app, { ...good, via: 'nope' }, limits)).toBe('$via: "nope" is not a sub-module of App (known: rb)');
    expect(checkWire(app, { ...good, extra: 1 }, limits)).toBe('a $via envelope has exactly the fields type, via, key, message (got extra,key,message,type,via)');
    expect(checkWire(app, { type: 'ECHO', m: 1 }, limits)).toBe("'ECHO' is not a message of App (known: none)");
    const unkeyed = { ...app, modules: [{ ...app.modules[0]!, keyed: false }] } as ProtocolModule<any, any>;
    expect(checkWire(unkeyed, good, limits)).toBe('$via rb: the sub-module is not keyed, so its key must be null');
    expect(checkWire(unkeyed, { ...good, key: null }, limits)).toBeNull();
  });
});
