// A BlobStore over an R2 bucket. Uploads (checkpoint and model files, up to EDGECLASS_MAX_ARTIFACT_BYTES) go from
// the request straight to R2: an isolate has 128 MB, so a file is never held whole. The length is enforced by a
// FixedLengthStream; the signed digest is handed to R2, which refuses to store an object whose bytes do not match it.
import { type BlobBody, type BlobList, type BlobStore, type IncomingBytes, UploadMismatchError } from '../types.ts';

export class R2BlobStore implements BlobStore {
  constructor(readonly bucket: R2Bucket) {}

  head(key: string): Promise<R2Object | null> {
    return this.bucket.head(key);
  }

  get(key: string): Promise<BlobBody | null> {
    return this.bucket.get(key);
  }

  put(key: string, value: Uint8Array | ArrayBuffer | string, options?: { customMetadata?: Record<string, string> }) {
    return this.bucket.put(key, value, options);
  }

  async putStreamed(key: string, upload: IncomingBytes): Promise<void> {
    const sized = new FixedLengthStream(upload.length);
    const piped = upload.stream.pipeTo(sized.writable).catch((err: unknown) => err);
    try {
      await this.bucket.put(key, sized.readable, { sha256: upload.sha256 });
    } catch (err) {
      await sized.readable.cancel().catch(() => undefined);
      const cause = await piped;
      throw new UploadMismatchError(String(cause ?? err));
    }
    const cause = await piped;
    if (cause) throw cause;
  }

  delete(keys: string | string[]): Promise<void> {
    return this.bucket.delete(keys);
  }

  list(options: { prefix: string; cursor?: string }): Promise<BlobList> {
    return this.bucket.list(options);
  }
}
