// The tokenizer files a model folder may carry beside its weights: the folder writers of every architecture copy
// exactly these, so a leaf module that both the encoder and the causal-LM writers import.
export const TOKENIZER_FILES = [
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'vocab.txt',
  'vocab.json',
  'merges.txt',
];
