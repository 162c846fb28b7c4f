// iPhones save HEIC: HEIF containers holding HEVC-coded images. Prebuilt sharp ships libheif with the AV1 codec only
// (HEVC is patent-encumbered), so HEVC pictures are decoded by `heic-decode` (libheif + libde265 compiled to
// WebAssembly) and handed to sharp as raw RGBA. libheif applies the HEIF `irot`/`imir` transforms while decoding,
// so the pixels arrive upright and no EXIF orientation may be applied on top.
// The decoder runs in its own thread with a heap limit and a deadline (INGEST_HEIC_TIMEOUT_MS, INGEST_HEIC_MAX_MEMORY_MB),
// and INGEST_HEIC=off refuses HEVC HEIC without decoding it: libheif is native code compiled to WebAssembly, parsing
// files anyone with upload rights can write, and its security fixes reach heic-decode late.

export interface DecodedPixels {
  width: number;
  height: number;
  channels: 4;
  data: Buffer;
}

export class HeicDecodeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HeicDecodeError';
  }
}

/** The decoder ran past its deadline and was stopped. */
export class HeicDecodeTimeoutError extends Error {
  constructor(public readonly timeoutMs: number) {
    super(`heic-decode took longer than ${timeoutMs} ms and was stopped`);
    this.name = 'HeicDecodeTimeoutError';
  }
}

interface Box {
  type: string;
  start: number;
  end: number;
}

function* boxes(bytes: Buffer, start: number, end: number): Generator<Box> {
  let offset = start;
  while (offset + 8 <= end) {
    let size = bytes.readUInt32BE(offset);
    let header = 8;
    if (size === 1) {
      if (offset + 16 > end) return;
      size = Number(bytes.readBigUInt64BE(offset + 8));
      header = 16;
    } else if (size === 0) {
      size = end - offset;
    }
    if (size < header || offset + size > end) return;
    yield { type: bytes.toString('latin1', offset + 4, offset + 8), start: offset + header, end: offset + size };
    offset += size;
  }
}

function findChild(bytes: Buffer, parent: Box, type: string, skip = 0): Box | undefined {
  for (const box of boxes(bytes, parent.start + skip, parent.end)) if (box.type === type) return box;
  return undefined;
}

export interface HeifHeader {
  /** From the codec configuration property present (`hvcC` or `av1C`): brands alone are unreliable. */
  codec: 'hevc' | 'av1' | 'other';
  width: number;
  height: number;
}

/**
 * Codec and largest picture size declared in the container (`meta/iprp/ipco`, ISO/IEC 23008-12 §6.5.3), read
 * without decoding: a grid's `ispe` is the whole picture, its tiles' are smaller, so the largest bounds the decode.
 */
export function readHeifHeader(bytes: Buffer): HeifHeader | undefined {
  const file: Box = { type: 'file', start: 0, end: bytes.length };
  const meta = findChild(bytes, file, 'meta');
  // `meta` is a full box: 4 bytes of version and flags before its children.
  const iprp = meta && findChild(bytes, meta, 'iprp', 4);
  const ipco = iprp && findChild(bytes, iprp, 'ipco');
  if (!ipco) return undefined;
  let largest: { width: number; height: number } | undefined;
  let codec: HeifHeader['codec'] = 'other';
  for (const box of boxes(bytes, ipco.start, ipco.end)) {
    if (box.type === 'hvcC') codec = 'hevc';
    if (box.type === 'av1C' && codec !== 'hevc') codec = 'av1';
    if (box.type !== 'ispe' || box.end - box.start < 12) continue;
    const width = bytes.readUInt32BE(box.start + 4);
    const height = bytes.readUInt32BE(box.start + 8);
    if (!largest || width * height > largest.width * largest.height) largest = { width, height };
  }
  return largest && { codec, ...largest };
}

export interface HeicDecodeLimits {
  /** The decoder is stopped (its thread terminated) after this long. */
  timeoutMs: number;
  /** Heap of the decoder's thread, in MB: a crafted file cannot take the Functions worker's memory with it. */
  maxMemoryMb: number;
}

export const defaultHeicDecodeLimits: HeicDecodeLimits = { timeoutMs: 20_000, maxMemoryMb: 512 };

// Run as an `eval` worker so the same code works compiled (dist/) and under the test runner's TypeScript transform;
// the module path comes from the parent, resolved against our own node_modules.
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const decode = require(workerData.modulePath);
(decode.default || decode)({ buffer: workerData.bytes }).then(
  (image) => parentPort.postMessage({ ok: true, width: image.width, height: image.height, data: image.data }),
  (error) => parentPort.postMessage({ ok: false, message: String((error && error.message) || error) }),
);
`;

type WorkerAnswer =
  { ok: true; width: number; height: number; data: Uint8ClampedArray } | { ok: false; message: string };

/**
 * Decodes the primary image in a worker thread with a heap limit and a deadline: libheif (WebAssembly) decodes
 * untrusted files, so a stuck or runaway decode costs that thread, never the event loop of the Functions worker.
 * Callers check `readHeifHeader` against their pixel limit first. Throws HeicDecodeError for an undecodable file and
 * HeicDecodeTimeoutError past the deadline.
 */
export async function decodeHeic(
  bytes: Buffer,
  limits: HeicDecodeLimits = defaultHeicDecodeLimits,
): Promise<DecodedPixels> {
  const { Worker } = await import('node:worker_threads');
  const worker = new Worker(workerSource, {
    eval: true,
    workerData: { modulePath: require.resolve('heic-decode'), bytes },
    resourceLimits: { maxOldGenerationSizeMb: limits.maxMemoryMb, maxYoungGenerationSizeMb: 32 },
    stdout: true,
  });
  let timer: NodeJS.Timeout | undefined;
  let answer: WorkerAnswer;
  try {
    answer = await new Promise<WorkerAnswer>((resolve, reject) => {
      timer = setTimeout(() => reject(new HeicDecodeTimeoutError(limits.timeoutMs)), limits.timeoutMs);
      worker.once('message', (message: WorkerAnswer) => resolve(message));
      worker.once('error', (error) =>
        reject(new HeicDecodeError(`heic-decode stopped: ${error.message}`, { cause: error })),
      );
      worker.once('exit', (code) => reject(new HeicDecodeError(`heic-decode stopped (exit code ${code})`)));
    });
  } finally {
    clearTimeout(timer);
    await worker.terminate();
  }
  if (!answer.ok) throw new HeicDecodeError(`heic-decode could not decode the image: ${answer.message}`);
  const data = Buffer.from(answer.data.buffer, answer.data.byteOffset, answer.data.byteLength);
  if (answer.width < 1 || answer.height < 1 || data.length !== answer.width * answer.height * 4) {
    throw new HeicDecodeError(`heic-decode returned ${data.length} bytes for ${answer.width}×${answer.height} pixels`);
  }
  return { width: answer.width, height: answer.height, channels: 4, data };
}
