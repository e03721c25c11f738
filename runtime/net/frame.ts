/**
 * Framing and encoding of messages on a byte stream: each frame is a 4-byte big-endian
 * payload length followed by the payload, the message as UTF-8 JSON (values are plain JSON
 * data by design; bench/net/codec.ts measures that encoding and checking cost far less per
 * message than the TLS socket does). The decoder never buffers more than one frame of at
 * most `maxFrame` bytes: a longer frame is skipped byte by byte as it arrives, counted,
 * and the stream stays in sync.
 */

export const HEADER_BYTES = 4;
/** Default largest payload accepted: far above any message of the bundled specs. */
export const DEFAULT_MAX_FRAME = 1 << 20;

/** One frame's bytes for a message. */
export function encodeFrame(message: unknown): Buffer {
  const payload = Buffer.from(JSON.stringify(message), 'utf8');
  const frame = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  payload.copy(frame, HEADER_BYTES);
  return frame;
}

/** What the decoder made of some bytes. */
export type Decoded =
  | { readonly kind: 'message'; readonly value: unknown }
  | { readonly kind: 'malformed'; readonly reason: string }
  | { readonly kind: 'oversize'; readonly length: number };

/** Splits a byte stream into frames and parses them. One per connection. */
export class FrameDecoder {
  private buffered: Buffer = Buffer.alloc(0);
  /** Bytes of an oversize frame still to skip. */
  private skipping = 0;

  constructor(private readonly maxFrame = DEFAULT_MAX_FRAME) {}

  /**
   * Feeds bytes; returns the frames they complete, in order, at most `max` of them (the rest
   * stay buffered for the next call, which may feed no new bytes). Never throws.
   */
  push(chunk: Buffer, max = Infinity): Decoded[] {
    const out: Decoded[] = [];
    let data = this.buffered.length === 0 ? chunk : chunk.length === 0 ? this.buffered : Buffer.concat([this.buffered, chunk]);
    while (out.length < max) {
      if (this.skipping > 0) {
        const skip = Math.min(this.skipping, data.length);
        this.skipping -= skip;
        data = data.subarray(skip);
        if (this.skipping > 0) break;
      }
      if (data.length < HEADER_BYTES) break;
      const length = data.readUInt32BE(0);
      if (length > this.maxFrame) {
        out.push({ kind: 'oversize', length });
        this.skipping = length;
        data = data.subarray(HEADER_BYTES);
        continue;
      }
      if (data.length < HEADER_BYTES + length) break;
      out.push(parsePayload(data.subarray(HEADER_BYTES, HEADER_BYTES + length)));
      data = data.subarray(HEADER_BYTES + length);
    }
    // Copy the remainder so the (possibly large) chunk it came from can be collected.
    this.buffered = data.length === 0 ? Buffer.alloc(0) : Buffer.from(data);
    return out;
  }

  /** Bytes held for an incomplete frame. */
  get pendingBytes(): number {
    return this.buffered.length;
  }
}

function parsePayload(payload: Buffer): Decoded {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(payload);
  } catch {
    return { kind: 'malformed', reason: 'payload is not UTF-8' };
  }
  try {
    return { kind: 'message', value: JSON.parse(text) as unknown };
  } catch (error) {
    return { kind: 'malformed', reason: `payload is not JSON (${(error as Error).message})` };
  }
}
