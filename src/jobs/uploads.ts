// Worker uploads (checkpoint and model files, up to EDGECLASS_MAX_ARTIFACT_BYTES) are streamed to the blob store:
// the length is declared up front (checked against the limit before a byte is read) and the signed digest is
// checked by the store (src/storage/: R2 verifies it, the files folder hashes as it writes).
import { RequestError } from '../core/errors.ts';
import { type BlobStore, type IncomingBytes, UploadMismatchError } from '../storage/types.ts';

export type { IncomingBytes };

/** Stores the upload under `key`; 400 when the bytes are not the announced ones (nothing is stored then). */
export async function storeStreamed(bucket: BlobStore, key: string, upload: IncomingBytes): Promise<void> {
  try {
    await bucket.putStreamed(key, upload);
  } catch (err) {
    if (!(err instanceof UploadMismatchError)) throw err;
    throw new RequestError(
      'invalid_request',
      `the upload is not the signed one (its length or its sha256 differs from content-length and x-edgeclass-content-sha256): ${err.message}`,
      'body',
    );
  }
}
