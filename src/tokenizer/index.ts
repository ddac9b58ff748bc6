export { Tokenizer, padEncodings } from './tokenizer.ts';
export type { EncodeOptions, PaddingParams, TextInput, TruncationParams, TruncationStrategy } from './tokenizer.ts';
export { Encoding, TokenizationError } from './encoding.ts';
export type { Offset, PaddingSide, TruncationSide } from './encoding.ts';
