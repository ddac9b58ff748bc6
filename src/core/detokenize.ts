// Decoding ids back to text: the Rust decoder's output, optionally followed by the clean-up that Python's
// transformers applies to the joined string (clean_up_tokenization_spaces).
import type { LoadedTokenizer } from './tokenizers.ts';

export interface DetokenizeOptions {
  skip_special_tokens?: boolean;
  /** Defaults to tokenizer_config.json's clean_up_tokenization_spaces, else false. */
  clean_up_tokenization_spaces?: boolean;
}

export function detokenize(loaded: LoadedTokenizer, ids: number[], options: DetokenizeOptions): string {
  const text = loaded.tokenizer.decode(ids, options.skip_special_tokens ?? false);
  const cleanUp = options.clean_up_tokenization_spaces ?? loaded.settings.cleanUpTokenizationSpaces;
  return cleanUp ? cleanUpTokenizationSpaces(text) : text;
}

/** transformers' PreTrainedTokenizerBase.clean_up_tokenization, in its order. */
export function cleanUpTokenizationSpaces(text: string): string {
  return text
    .replaceAll(' .', '.')
    .replaceAll(' ?', '?')
    .replaceAll(' !', '!')
    .replaceAll(' ,', ',')
    .replaceAll(" ' ", "'")
    .replaceAll(" n't", "n't")
    .replaceAll(" 'm", "'m")
    .replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve")
    .replaceAll(" 're", "'re");
}
