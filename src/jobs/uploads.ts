// Worker uploads (checkpoint and model files, up to EDGECLASS_MAX_ARTIFACT_BYTES) go from the request straight to
// R2: an isolate has 128 MB, so a file is never held whole. The length is declared up front (checked against the
// limit before a byte is read) and enforced by a FixedLengthStream; the signed digest is handed to R2, which
// refuses to store an object whose bytes do not match it.
import { RequestError } from '../core/errors.ts';

/** A body not read yet: its stream, its declared length, and the hex sha256 its signature vouches for. */
export interface IncomingBytes {
  stream: ReadableStream<Uint8Array>;
  length: number;
  sha256: string;
}

/** Stores the upload under `key`; 400 when the bytes are not the announced ones (nothing is stored then). */
export async function storeStreamed(bucket: R2Bucket, key: string, upload: IncomingBytes): Promise<void> {
  const sized = new FixedLengthStream(upload.length);
  const piped = upload.stream.pipeTo(sized.writable).catch((err: unknown) => err);
  try {
    await bucket.put(key, sized.readable, { sha256: upload.sha256 });
  } catch (err) {
    await sized.readable.cancel().catch(() => undefined);
    const cause = await piped;
    throw new RequestError(
      'invalid_request',
      `the upload is not the signed one (its length or its sha256 differs from content-length and x-edgeclass-content-sha256): ${String(cause ?? err)}`,
      'body',
    );
  }
  const cause = await piped;
  if (cause) throw cause;
}
