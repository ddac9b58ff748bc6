// What the onnxruntime-node and onnxruntime-web adapters share: both packages expose onnxruntime-common's
// InferenceSession and Tensor, so wrapping a session is the same code for both.
import type { InferenceSession as OrtSession, Tensor as OrtTensor } from 'onnxruntime-web';
import { asFloatTensor, type FloatTensor, type InferenceSession, inputInfos, type Tensor } from './runtime.ts';

type TensorConstructor = new (type: Tensor['type'], data: Tensor['data'], dims: readonly number[]) => OrtTensor;

/** An edgeclass session over an onnxruntime-common session; `Tensor` is the package's own Tensor class. */
export function wrapOrtSession(session: OrtSession, Tensor: TensorConstructor): InferenceSession {
  return {
    inputNames: session.inputNames,
    inputs: inputInfos(session.inputMetadata),
    outputNames: session.outputNames,
    async run(feeds: Record<string, Tensor>, outputNames?: readonly string[]): Promise<Record<string, FloatTensor>> {
      const ortFeeds: Record<string, OrtTensor> = {};
      for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = new Tensor(t.type, t.data, t.dims);
      const out = outputNames ? await session.run(ortFeeds, outputNames) : await session.run(ortFeeds);
      const result: Record<string, FloatTensor> = {};
      for (const [name, t] of Object.entries(out)) result[name] = asFloatTensor(name, t.data, t.dims, t.type);
      return result;
    },
    release: () => session.release(),
  };
}
