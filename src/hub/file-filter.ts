// Which files of a Hub repository a pull downloads. By default everything a tokenizer, an ONNX session or our
// trainer reads, and none of the framework-specific weight files (PyTorch .bin, TensorFlow .h5, Flax .msgpack,
// rust .ot) that can each weigh gigabytes and that nothing here loads.

export type FileFilter = (file: string) => boolean;

/** Always kept, even where an exclusion below would match. */
const KEEP_PATTERNS = [
  'config*',
  'tokenizer*',
  'vocab*',
  'merges*',
  'special_tokens_map.json',
  'added_tokens.json',
  '*.safetensors',
  'onnx/**',
  '1_Pooling/**',
  'modules.json',
  'sentence_*config.json',
];

const EXCLUDE_PATTERNS = [
  '.*',
  '*.bin',
  '*.h5',
  '*.msgpack',
  '*.ot',
  '*.pt',
  '*.pth',
  '*.ckpt',
  '*.gguf',
  '*.tflite',
  'flax_model*',
  'tf_model*',
  'rust_model*',
  'coreml/**',
  'openvino/**',
];

/** Builds a filter: a file is taken when it matches `keep`, else when it matches no `exclude` pattern. */
export function createFileFilter(keep: string[], exclude: string[]): FileFilter {
  const keepRegExps = keep.map(globToRegExp);
  const excludeRegExps = exclude.map(globToRegExp);
  return (file) => keepRegExps.some((re) => re.test(file)) || !excludeRegExps.some((re) => re.test(file));
}

export const defaultFileFilter: FileFilter = createFileFilter(KEEP_PATTERNS, EXCLUDE_PATTERNS);

/**
 * What serving reads, and nothing else: the tokenizer files, the configs, sentence-transformers' pooling, and the
 * two graphs a dtype can pick (src/core/model-registry.ts). Pull-on-first-use takes these only: a request must not
 * make the server fetch a repository's other graphs and weights (fp16, q4, safetensors: gigabytes).
 */
const SERVING_FILES = [
  'config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'added_tokens.json',
  'vocab.txt',
  'vocab.json',
  'merges.txt',
  'modules.json',
  '1_Pooling/config.json',
  'sentence_bert_config.json',
  'config_sentence_transformers.json',
  'onnx/model.onnx',
  'onnx/model_quantized.onnx',
];

export const servingFileFilter: FileFilter = (file) => SERVING_FILES.includes(file);

export const allFiles: FileFilter = () => true;

/** What serving one graph variant reads besides the graph: config, tokenizer and sentence-transformers files. */
const SERVING_PATTERNS = [
  'config*',
  'generation_config.json',
  'tokenizer*',
  'vocab*',
  'merges*',
  'special_tokens_map.json',
  'added_tokens.json',
  'chat_template*',
  '1_Pooling/**',
  'modules.json',
  'sentence_*config.json',
];

/**
 * Only `graph` (e.g. onnx/model_quantized.onnx, with its external data files) and the files serving reads: no
 * other variant, no weights for training. Top-level and sentence-transformers files only, never another onnx/ file.
 */
export function graphOnlyFilter(graph: string): FileFilter {
  const serving = SERVING_PATTERNS.map((p) => new RegExp(globToRegExp(p).source.replace('(^|/)', '^')));
  return (file) => file === graph || file.startsWith(`${graph}_data`) || serving.some((re) => re.test(file));
}

/**
 * `*` matches within one path segment, `**` across segments. A pattern without '/' matches the file's base name
 * in any folder (as in .gitignore), so `*.bin` also drops `2_Dense/pytorch_model.bin`.
 */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i];
    if (char === '*' && glob[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (char === '*') {
      source += '[^/]*';
    } else if (char === '?') {
      source += '[^/]';
    } else {
      source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(glob.includes('/') ? `^${source}$` : `(^|/)${source}$`);
}
