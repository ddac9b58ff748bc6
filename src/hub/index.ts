// The Hugging Face Hub client (Node only): pull a model folder, speaking the Hub's own HTTP protocol.
export {
  pullModel,
  DEFAULT_HF_ENDPOINT,
  type PullOptions,
  type PullProgress,
  type PullResult,
  type PulledFile,
} from './pull-model.ts';
export { HubError, type HubErrorCode } from './hub-error.ts';
export {
  allFiles,
  createFileFilter,
  defaultFileFilter,
  globToRegExp,
  servingFileFilter,
  type FileFilter,
} from './file-filter.ts';
export { REVISION_RECORD_FILE, readRevisionRecord, type RevisionRecord } from './revision-record.ts';
export { gitBlobSha1 } from './checksum.ts';
