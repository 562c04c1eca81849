/**
 * ONNX Runtime sessions and execution-provider choice. Providers are tried one at a time in the order given;
 * the first whose session loads wins, each one that fails is reported on one line, and the winner is recorded.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { ModelError } from '../contracts/errors.ts';
import type { PostSpec } from './postprocess.ts';
import {
  openInProcess,
  type RunnerSpec,
  type SessionOptions,
  type SessionRunner,
  WorkerHost,
} from './runner.ts';

export const EXECUTION_PROVIDERS = ['cpu', 'cuda', 'tensorrt', 'webgpu'] as const;
export type ExecutionProvider = (typeof EXECUTION_PROVIDERS)[number];

/**
 * Parse `--ep` values: a list, each entry possibly comma-separated (`cuda,cpu`). Empty → ['cpu'].
 * @example parseProviders(['cuda,cpu']) → ['cuda', 'cpu']
 */
export function parseProviders(list: readonly string[] | undefined): ExecutionProvider[] {
  const names = (list ?? [])
    .flatMap((s) => s.split(','))
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  if (names.length === 0) {
    // `--ep ,` or `--ep ''` names none: a typo, not a wish for the default.
    if (list !== undefined && list.length > 0)
      throw new ModelError({
        what: `no execution provider named in "${list.join(',')}"`,
        where: '--ep',
        hint: `use one or more of ${EXECUTION_PROVIDERS.join(', ')} (first that loads wins)`,
      });
    return ['cpu'];
  }
  const out: ExecutionProvider[] = [];
  for (const name of names) {
    if (!(EXECUTION_PROVIDERS as readonly string[]).includes(name)) {
      throw new ModelError({
        what: `unknown execution provider "${name}"`,
        where: '--ep',
        hint: `use one or more of ${EXECUTION_PROVIDERS.join(', ')} (first that loads wins)`,
      });
    }
    if (!out.includes(name as ExecutionProvider)) out.push(name as ExecutionProvider);
  }
  return out;
}

interface OpenedSession {
  session: SessionRunner;
  provider: ExecutionProvider;
  /** Each provider that failed before the winner, as `cuda (why)` (the log got the full line). */
  fallbacks: string[];
}

interface OpenSessionOptions {
  /** Intra-op threads (0 or undefined: `defaultThreads()`). */
  threads?: number;
  /** Host the session in a worker thread (default true). */
  worker?: boolean;
  /** The preprocessing graph (preGraph.ts) run before the model; always on CPU. */
  preModel: Uint8Array;
  /** The adapter and NMS run on the output (postprocess.ts). */
  post: PostSpec;
  log: (line: string) => void;
}

/** ORT's own messages for bytes that are not a model (as opposed to a provider that cannot load). */
const NOT_A_MODEL = /protobuf parsing failed|model_proto|ModelProto|invalid model|no graph/i;

/**
 * ORT logs a provider that cannot load as multi-line errors on stderr; each failure already becomes one line
 * here or a thrown ModelError, so its global logger stays at fatal unless someone chose a level.
 */
function quietLogLevel(): 'fatal' | undefined {
  if (ort.env.logLevel === undefined || ort.env.logLevel === 'warning') ort.env.logLevel = 'fatal';
  return ort.env.logLevel === 'fatal' ? 'fatal' : undefined;
}

/**
 * Intra-op threads when none are asked for: ORT's own default (one per physical core), but never every CPU:
 * at most one fewer than the CPUs this process may use. The model's thread(s) run nothing else, and what is
 * left decodes and prepares the next frames and runs the graph, so decoding overlaps inference instead of
 * preempting it (with both cores of a two-core machine given to ORT, the pipeline added 25–35 % to the model's
 * time; `npm run bench -- detect-recording`, src/detect/README.md). With SMT the sibling threads are left over.
 */
export function defaultThreads(): number {
  const cpus = availableParallelism();
  return Math.max(1, Math.min(physicalCores() ?? cpus, cpus - 1));
}

/** Physical cores (distinct package/core pairs in /proc/cpuinfo), or undefined where that cannot be read. */
function physicalCores(): number | undefined {
  try {
    const cores = new Set<string>();
    let pkg = '';
    for (const line of readFileSync('/proc/cpuinfo', 'utf8').split('\n')) {
      const [key, value] = line.split(':').map((x) => x.trim());
      if (key === 'physical id') pkg = value ?? '';
      else if (key === 'core id') cores.add(`${pkg}/${value}`);
    }
    return cores.size > 0 ? cores.size : undefined;
  } catch {
    return undefined;
  }
}

/** The options every detector session is created with (benchmarks build their baselines from them too). */
export function sessionOptions(provider: ExecutionProvider, threads: number | undefined): SessionOptions {
  return {
    executionProviders: [provider],
    intraOpNumThreads: threads || defaultThreads(),
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // Fatal only: ORT printed its own multi-line, coloured log of a failed run before Viper's one-line error,
    // which carries the same message (and --verbose the whole cause).
    logSeverityLevel: 4,
    // ORT's pool threads spin between parallel sections by default; in this pipeline that spinning takes the
    // cores that decode the next frames (and other processes'). Measured with `npm run bench -- detect`:
    // end-to-end 22 vs 24.5–29 ms per frame, model alone 16 vs 19–22 ms, half the CPU time while waiting.
    extra: { session: { 'intra_op.allow_spinning': '0' } },
  };
}

/** Create one session for `modelPath`, trying `providers` in order. */
export async function openSession(
  modelPath: string,
  providers: readonly ExecutionProvider[],
  opts: OpenSessionOptions,
): Promise<OpenedSession> {
  const logLevel = quietLogLevel();
  const host = opts.worker === false ? null : new WorkerHost();
  const fallbacks: string[] = [];
  /** `<provider>: <reason>` for each provider that failed, for the error when none loads. */
  const reasons: string[] = [];
  let lastError: unknown;
  for (const [i, provider] of providers.entries()) {
    const options = sessionOptions(provider, opts.threads);
    const spec: RunnerSpec = {
      modelPath,
      options,
      preModel: opts.preModel,
      post: opts.post,
      // One thread: the graph is a few element-wise passes, where a pool costs more in wake-ups than it gains.
      preOptions: { executionProviders: ['cpu'], intraOpNumThreads: 1, logSeverityLevel: 3 },
    };
    try {
      const session = host ? await host.open(spec, logLevel) : await openInProcess(spec);
      if (fallbacks.length > 0) opts.log(`detect: using execution provider ${provider}`);
      return { session, provider, fallbacks };
    } catch (err) {
      const reason = providerReason(provider, err);
      // Tested on ORT's whole first line: the shortened reason may have lost the telling words to a long path.
      if (NOT_A_MODEL.test(firstLine(err))) {
        await host?.terminate();
        throw new ModelError({
          what: 'file is not an ONNX model',
          where: modelPath,
          hint: `ONNX Runtime said: ${reason}`,
          cause: err,
        });
      }
      reasons.push(`${provider}: ${reason}`);
      lastError = err;
      const next = providers[i + 1];
      fallbacks.push(`${provider} (${reason})`);
      opts.log(
        `detect: execution provider ${provider} did not load (${reason})${next ? `; falling back to ${next}` : ''}`,
      );
    }
  }
  await host?.terminate();
  throw new ModelError({
    what: `no execution provider could load the model (${reasons.join('; ')})`,
    where: modelPath,
    hint: noneLoadedHint(providers, reasons),
    cause: lastError,
  });
}

/** README.md "GPU execution providers": onnxruntime-node's CUDA/TensorRT libraries are not on npm. */
export const GPU_INSTALL_STEP =
  'ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js';

const GPU_PROVIDERS: readonly ExecutionProvider[] = ['cuda', 'tensorrt'];
const LIBRARY_LOAD = /Failed to load (?:shared )?library/i;

function noneLoadedHint(providers: readonly ExecutionProvider[], reasons: readonly string[]): string {
  // cpu failing too is about the model or the machine, not the GPU libraries.
  if (providers.includes('cpu')) return "run with --verbose for ONNX Runtime's whole message";
  const fallback = `add cpu to --ep as a fallback, e.g. --ep ${[...providers, 'cpu'].join(',')}`;
  const gpuLibrary = reasons.some(
    (r) => GPU_PROVIDERS.some((p) => r.startsWith(`${p}: `)) && LIBRARY_LOAD.test(r),
  );
  return gpuLibrary
    ? `install the GPU binaries (README "GPU execution providers": ${GPU_INSTALL_STEP}) or ${fallback}`
    : fallback;
}

/**
 * `ortReason`, naming the library a GPU provider could not load: the one ORT's message names, else the first of
 * the provider's own libraries missing beside onnxruntime-node's binary (ORT's thrown message for those is only
 * `Failed to load shared library`; the file name goes to its log, which is kept quiet).
 */
export function providerReason(provider: ExecutionProvider, err: unknown, binDir = ortBinDir()): string {
  const reason = ortReason(err);
  if (!GPU_PROVIDERS.includes(provider) || !LIBRARY_LOAD.test(reason)) return reason;
  const named = libraryNamed(firstLine(err));
  if (named) return reason.includes(named) ? reason : `Failed to load shared library ${named}`;
  const missing = binDir === undefined ? undefined : missingProviderLibrary(provider, binDir);
  return missing ? `${reason} ${missing} (not installed)` : reason;
}

/** The last shared-library file name in `line` (`… with error: libcudnn.so.9: cannot open …` → `libcudnn.so.9`). */
function libraryNamed(line: string): string | undefined {
  const names = line.match(/[\w.+-]+\.(?:so(?:\.\d+)*|dll|dylib)\b/g);
  return names?.[names.length - 1];
}

/** Where onnxruntime-node keeps its native binary, and where ORT looks for the provider libraries. */
function ortBinDir(): string | undefined {
  try {
    const pkg = dirname(dirname(createRequire(import.meta.url).resolve('onnxruntime-node')));
    return join(pkg, 'bin', 'napi-v6', process.platform, process.arch);
  } catch {
    return undefined;
  }
}

function missingProviderLibrary(provider: ExecutionProvider, binDir: string): string | undefined {
  if (!existsSync(binDir) || (process.platform !== 'linux' && process.platform !== 'win32')) return undefined;
  const [pre, ext] = process.platform === 'win32' ? ['', '.dll'] : ['lib', '.so'];
  const libs = ['shared', provider].map((p) => `${pre}onnxruntime_providers_${p}${ext}`);
  return libs.find((f) => !existsSync(join(binDir, f)));
}

/** Longest ORT reason kept on a line; the rest is cut at a word with an ellipsis. */
const REASON_CHARS = 120;

/**
 * ORT's error as a short phrase for one line. Its enforce failures read `<file>.cc:<line> <C++ signature>
 * <condition> was false. <reason>`; only the reason is for users, e.g. `/…/webgpu_context.cc:136
 * onnxruntime::webgpu::WebGpuContext::Initialize(…)::<lambda()> adapter_result.status == … was false. Failed
 * to get a WebGPU adapter: No supported adapters` → `Failed to get a WebGPU adapter: No supported adapters`.
 */
function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return (msg.split('\n')[0] ?? '').trim();
}

export function ortReason(err: unknown): string {
  let s = firstLine(err);
  // `Load model from <path> failed: <reason>`: the error line names the path already (its `where`).
  s = s.replace(/^Load model from .* failed:\s*/, '');
  const loc = /^\S+\.(?:cc|cpp|cxx|c|h|hpp):\d+\s+/.exec(s);
  if (loc) {
    s = skipSignature(s.slice(loc[0].length));
    const enforce = / was false\.\s*(.+)$/.exec(s);
    if (enforce?.[1]) s = enforce[1];
  }
  // `OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library` → the part after the name.
  s = s.replace(/^OrtSessionOptionsAppendExecutionProvider_\w+:\s*/, '').replace(/\.$/, '');
  if (s.length <= REASON_CHARS) return s;
  const cut = s.slice(0, REASON_CHARS);
  const space = cut.lastIndexOf(' ');
  return `${cut.slice(0, space > REASON_CHARS / 2 ? space : REASON_CHARS).trimEnd()}…`;
}

/** `ns::Fn(const T&)::<lambda()> rest` → `rest`: skips a C++ signature (brackets balanced) and one space. */
function skipSignature(s: string): string {
  if (!/^[\w:~]+[(<]/.test(s)) return s;
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '(' || c === '<') depth++;
    else if (c === ')' || c === '>') depth = Math.max(0, depth - 1);
    else if (c === ' ' && depth === 0) return s.slice(i + 1);
  }
  return s;
}
