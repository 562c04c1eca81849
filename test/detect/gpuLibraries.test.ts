/** A GPU provider whose libraries are missing: the line names the library and the README's install step. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelError } from '../../src/contracts/errors.ts';
import { Detector } from '../../src/detect/index.ts';
import { GPU_INSTALL_STEP, providerReason } from '../../src/detect/session.ts';
import { onePersonModel, TINY_VIPER_CARD, tempDir, writeModelWithCard } from './tinyModel.ts';

const dir = tempDir();
const bare = 'OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library';
const so = process.platform === 'win32' ? ['', '.dll'] : ['lib', '.so'];
const lib = (p: string) => `${so[0]}onnxruntime_providers_${p}${so[1]}`;

describe.skipIf(process.platform !== 'linux' && process.platform !== 'win32')('providerReason', () => {
  it("names the first provider library missing beside ORT's binary", () => {
    const bin = join(dir, 'bin-empty');
    mkdirSync(bin);
    expect(providerReason('cuda', new Error(bare), bin)).toBe(
      `Failed to load shared library ${lib('shared')} (not installed)`,
    );
    writeFileSync(join(bin, lib('shared')), '');
    expect(providerReason('cuda', new Error(bare), bin)).toBe(
      `Failed to load shared library ${lib('cuda')} (not installed)`,
    );
    expect(providerReason('tensorrt', new Error(bare), bin)).toBe(
      `Failed to load shared library ${lib('tensorrt')} (not installed)`,
    );
  });

  it('names the library that ORT says it could not open, and leaves other providers and reasons alone', () => {
    const msg =
      'Failed to load library /x/libonnxruntime_providers_cuda.so with error: libcudnn.so.9: cannot open shared object file: No such file or directory';
    expect(providerReason('cuda', new Error(msg), join(dir, 'nowhere'))).toMatch(/libcudnn\.so\.9/);
    const all = join(dir, 'bin-full');
    mkdirSync(all);
    for (const p of ['shared', 'cuda', 'tensorrt']) writeFileSync(join(all, lib(p)), '');
    expect(providerReason('cuda', new Error(bare), all)).toBe('Failed to load shared library');
    expect(providerReason('webgpu', new Error('Failed to get a WebGPU adapter'), dir)).toBe(
      'Failed to get a WebGPU adapter',
    );
  });
});

it('--ep cuda with no GPU binaries: one line naming the library, the install step and the cpu fallback', async () => {
  const good = onePersonModel();
  const model = writeModelWithCard(dir, 'good', good, TINY_VIPER_CARD);
  const err = await Detector.open({ model, ep: ['cuda'], threads: 1, log: () => {} }).then(
    async (d) => {
      await d.close();
      return null;
    },
    (e: unknown) => e,
  );
  if (err === null) return; // CUDA binaries installed: nothing to report.
  expect(err).toBeInstanceOf(ModelError);
  const e = err as ModelError;
  if (!/Failed to load shared library/.test(e.what)) return; // binaries there, but no GPU: another reason
  expect(e.message).not.toMatch(/\n/);
  expect(e.what).toMatch(
    /^no execution provider could load the model \(cuda: Failed to load shared library \S+/,
  );
  expect(e.hint).toBe(
    `install the GPU binaries (README "GPU execution providers": ${GPU_INSTALL_STEP}) or add cpu to --ep as a fallback, e.g. --ep cuda,cpu`,
  );
});
