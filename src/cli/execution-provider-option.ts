// `--ep`, the same option for the commands that train (`edgeclass train`, `edgeclass worker`).
import { EXECUTION_PROVIDERS } from '../train/execution-provider.ts';
import type { OptionDef } from './args.ts';

export const EP_OPTION = {
  type: 'string',
  valueName: 'provider',
  default: 'cpu',
  choices: [...EXECUTION_PROVIDERS],
  description: 'onnxruntime execution provider',
} as const satisfies OptionDef;
