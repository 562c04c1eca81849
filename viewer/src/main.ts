/**
 * Viewer entry: wires the file sources, the frame loader, the timeline reducer and the views. State that tests
 * and screenshots rely on is exposed read-only as `window.viper.state()`.
 */
import type { McapTypes } from '@mcap/core';
import { type FrameData, Recording } from './data/Recording.ts';
import { BlobReadable, HttpReadable } from './mcap/readable.ts';
import {
  initialPlayer,
  nextSpeed,
  playerReducer,
  SPEEDS,
  type PlayerAction,
  type PlayerState,
} from './state/player.ts';
import { CameraGrid } from './ui/CameraGrid.ts';
import { type CameraMetrics, computeFrameMetrics } from './ui/frameMetrics.ts';
import { renderMetrics, summarize } from './ui/MetricsPanel.ts';
import { SceneView } from './ui/SceneView.ts';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const ui = {
  main: document.querySelector('main') as HTMLElement,
  open: $<HTMLButtonElement>('open'),
  fileInput: $<HTMLInputElement>('file-input'),
  gt: $<HTMLInputElement>('gt-toggle'),
  fileName: $('file-name'),
  status: $('status'),
  error: $('error'),
  cameras: $('cameras'),
  scene: $('scene'),
  metrics: $('metrics'),
  play: $<HTMLButtonElement>('play'),
  back: $<HTMLButtonElement>('step-back'),
  fwd: $<HTMLButtonElement>('step-fwd'),
  speed: $<HTMLSelectElement>('speed'),
  scrub: $<HTMLInputElement>('scrub'),
  time: $('time'),
  dropHint: $('drop-hint'),
};

const PREFETCH = 3;
const CACHE = 12;
/** Id-switch histories kept (one per visited frame; the nearest of the SWITCH_LOOKBACK before a frame is read). */
const HISTORY_FRAMES = 200;
/** How far back a shown frame's history still counts the switches of the frame now shown (frames skipped at 4×). */
const SWITCH_LOOKBACK = 8;
/** Whether the frame shown had an earlier frame's history to count its id switches against. */
let switchesKnown = true;

let rec: Recording | null = null;
let readable: McapTypes.IReadable | null = null;
let grid: CameraGrid | null = null;
let scene: SceneView | null = null;
let player: PlayerState = initialPlayer();
let frame: FrameData | null = null;
let metrics = new Map<string, CameraMetrics>();
/** Actor → track history after each visited frame (id switches need the previous frame's matches). */
const historyAfter = new Map<number, Map<string, Map<string, number>>>();
const cache = new Map<number, Promise<FrameData>>();
let showing = -1;
/** A frame that could not be read: not retried until the user goes to another frame (it was re-read every tick). */
let failedIndex = -1;
/** Frames read from the file (cache misses), for tests: a frame that cannot be read must not be read forever. */
let frameReads = 0;
let busy = false;
let openSeq = 0;
/** The overlay as the user last set it: a file without ground truth shows the box off without forgetting it. */
let gtWanted = true;
let errorText = '';
let drawCount = 0;
const fps = { raf: 0, shown: 0, rafTimes: [] as number[], shownTimes: [] as number[] };

for (const s of SPEEDS) ui.speed.add(new Option(`${s}×`, String(s), s === 1, s === 1));

function showError(msg: string): void {
  errorText = msg;
  ui.error.textContent = msg;
  ui.error.hidden = false;
}

function clearError(): void {
  errorText = '';
  ui.error.hidden = true;
}

function dispatch(a: PlayerAction): void {
  player = playerReducer(player, a);
  ui.play.textContent = player.playing ? 'pause' : 'play';
  ui.speed.value = String(player.speed);
  ui.scrub.value = String(player.index);
}

function loadFrame(i: number): Promise<FrameData> {
  let p = cache.get(i);
  if (!p) {
    const r = rec!;
    frameReads++;
    p = r.readFrame(i);
    p.catch(() => cache.delete(i));
    cache.set(i, p);
    while (cache.size > CACHE) cache.delete(cache.keys().next().value!);
  }
  return p;
}

async function show(i: number): Promise<void> {
  if (!rec || !grid || !scene) return;
  busy = true;
  const seq = openSeq;
  try {
    const f = await loadFrame(i);
    if (seq !== openSeq) return;
    const cams = rec.cameras.map((c) => c.id);
    // Id switches need the frames before: the last one shown, or one a few frames back (playback at 4× skips
    // frames). After a jump there is none: the column says it does not know rather than showing 0.
    let prev: Map<string, Map<string, number>> | undefined;
    for (let k = 1; k <= SWITCH_LOOKBACK && !prev && i - k >= 0; k++) prev = historyAfter.get(i - k);
    switchesKnown = i === 0 || prev !== undefined;
    const m = computeFrameMetrics(f, cams, prev ?? new Map());
    historyAfter.set(i, m.history);
    while (historyAfter.size > HISTORY_FRAMES) historyAfter.delete(historyAfter.keys().next().value!);
    const drawn = await grid.draw(f, ui.gt.checked, m.perCamera);
    if (seq !== openSeq || !drawn) return;
    frame = f;
    metrics = m.perCamera;
    scene.update(f, ui.gt.checked);
    renderMetrics(
      ui.metrics,
      metrics,
      rec.hasGroundTruth,
      rec.cameras.some((c) => c.annotationsTopic),
      switchesKnown,
    );
    showing = i;
    failedIndex = -1;
    drawCount++;
    fps.shownTimes.push(performance.now());
    const tS = Number(f.tNs - rec.frameTimes[0]!) / 1e9;
    ui.time.textContent = `frame ${i + 1}/${rec.frameTimes.length}  t=${tS.toFixed(3)} s`;
    if (player.playing)
      for (let k = 1; k <= PREFETCH; k++) if (i + k < rec.frameTimes.length) void loadFrame(i + k);
  } catch (err) {
    if (seq !== openSeq) return;
    failedIndex = i;
    showError(`Could not read frame ${i + 1}: ${(err as Error).message}`);
    ui.time.textContent = `frame ${i + 1}/${rec.frameTimes.length} unreadable${showing >= 0 ? `; showing frame ${showing + 1}` : ''}`;
    dispatch({ type: 'pause' });
  } finally {
    busy = false;
  }
}

type Source = { source: McapTypes.IReadable; name: string };

/** Open `src`; `images`: the recording beside a results-only file, whose images its cameras show. */
async function openSource(src: McapTypes.IReadable, name: string, images?: Source): Promise<void> {
  const seq = ++openSeq;
  clearError();
  ui.fileName.textContent = images ? `${name} + ${images.name}` : name;
  ui.status.textContent = 'opening…';
  rec = null;
  frame = null;
  showing = -1;
  failedIndex = -1;
  // Nothing of the previous file stays on screen, should this one fail to open.
  ui.time.textContent = '';
  ui.scrub.max = '0';
  ui.gt.disabled = true;
  ui.gt.checked = false;
  cache.clear();
  historyAfter.clear();
  metrics = new Map();
  scene?.dispose();
  scene = null;
  ui.cameras.replaceChildren();
  ui.scene.replaceChildren();
  ui.metrics.replaceChildren();
  dispatch({ type: 'load', timesMs: [] });
  try {
    const r = await Recording.open(src, name, images);
    if (seq !== openSeq) return;
    rec = r;
    readable = src;
    scene = new SceneView(ui.scene, r.cameras);
    grid = new CameraGrid(ui.cameras, r.cameras, scene.softwareGl, r.resultsOnly);
    const t0 = r.frameTimes[0]!;
    dispatch({ type: 'load', timesMs: r.frameTimes.map((t) => Number(t - t0) / 1e6) });
    ui.scrub.max = String(r.frameTimes.length - 1);
    ui.gt.disabled = !r.hasGroundTruth;
    ui.gt.checked = r.hasGroundTruth && gtWanted; // a real replay's results have none: off, not on and greyed
    ui.gt.parentElement!.title = r.hasGroundTruth
      ? 'Ground-truth overlay (g)'
      : 'this file has no ground truth';
    // Cameras without images have their boxes drawn on blank canvases, and the status says why: a results file
    // written with --results-only (its metadata says so) has none by design; any other file just has none.
    const imageless = r.cameras.length > 0 && r.cameras.every((c) => c.imageTopic === null);
    const why = r.imagesBeside
      ? `, images from ${images!.name}`
      : r.resultsOnly
        ? ', no images (a results-only file: pick or drop it with its recording to see them)'
        : imageless
          ? ', no images in this file'
          : '';
    ui.status.textContent = `${r.cameras.length} camera${r.cameras.length === 1 ? '' : 's'}, ${r.frameTimes.length} frames${r.hasGroundTruth ? '' : ', no ground truth'}${why}`;
    ui.main.classList.toggle('no-world', !r.hasWorld);
    if (!r.hasWorld) {
      // vtest-like files (a fixed camera, --no-fuse): an empty 3D scene with no word read as a broken view.
      const note = document.createElement('div');
      note.className = 'scene-note';
      note.textContent =
        'No world objects (/perception/objects, /perception/scene) or ground truth in this file: the 3D view has nothing to place.';
      ui.scene.append(note);
    }
    if (r.warnings.length) showError(`Some channels cannot be shown:\n${r.warnings.join('\n')}`);
    await show(0);
  } catch (err) {
    if (seq !== openSeq) return;
    ui.status.textContent = '';
    showError(`Could not open ${name}: ${(err as Error).message}`);
  }
}

function redraw(): void {
  if (frame && showing >= 0) {
    showing = -1; // the loop redraws the current index
  }
}

function loop(now: number): void {
  const last = fps.rafTimes[fps.rafTimes.length - 1] ?? now;
  fps.rafTimes.push(now);
  while (fps.rafTimes.length && (fps.rafTimes[0] ?? 0) < now - 1000) fps.rafTimes.shift();
  while (fps.shownTimes.length && (fps.shownTimes[0] ?? 0) < now - 1000) fps.shownTimes.shift();
  fps.raf = fps.rafTimes.length;
  fps.shown = fps.shownTimes.length;
  if (rec) {
    // Hold the log clock while a frame is still loading, so playback never races ahead of what is drawn.
    if (!busy) dispatch({ type: 'tick', dtMs: Math.min(100, now - last) });
    if (!busy && player.index !== showing && player.index !== failedIndex) void show(player.index);
    scene?.render();
  }
  requestAnimationFrame(loop);
}
requestAnimationFrame(loop);

ui.play.onclick = () => dispatch({ type: 'toggle' });
ui.back.onclick = () => dispatch({ type: 'step', delta: -1 });
ui.fwd.onclick = () => dispatch({ type: 'step', delta: 1 });
ui.speed.onchange = () => {
  dispatch({ type: 'speed', speed: Number(ui.speed.value) });
  ui.speed.blur(); // the keyboard shortcuts (arrows, space) are the player's again, not the drop-down's
};
ui.scrub.oninput = () => dispatch({ type: 'seek', index: Number(ui.scrub.value) });
ui.gt.onchange = () => {
  gtWanted = ui.gt.checked;
  redraw();
};
ui.open.onclick = () => ui.fileInput.click();
ui.fileInput.onchange = () => openFiles(ui.fileInput.files);

/**
 * One file, or two: a results file written with --results-only and the recording it was made from, in either
 * order: the results are the smaller one (images are most of a recording; results-only files are ~2 % of it).
 */
function openFiles(list: FileList | null | undefined): void {
  const files = [...(list ?? [])];
  if (files.length === 0) return;
  if (files.length > 2) {
    showError(`${files.length} files: open one, or a results-only file with its recording`);
    // Nothing of them was opened: the header must not name what was open before as if it still were.
    if (!rec) ui.fileName.textContent = 'drop an .mcap file here, or open one';
    return;
  }
  const [a, b] = files as [File, File | undefined];
  if (!b) return void openSource(new BlobReadable(a), a.name);
  const [results, recording] = b.size < a.size ? [b, a] : [a, b];
  void openSource(new BlobReadable(results), results.name, {
    source: new BlobReadable(recording),
    name: recording.name,
  });
}

window.addEventListener('dragover', (e) => {
  e.preventDefault();
  ui.dropHint.hidden = false;
});
window.addEventListener('dragleave', () => {
  ui.dropHint.hidden = true;
});
window.addEventListener('drop', (e) => {
  e.preventDefault();
  ui.dropHint.hidden = true;
  openFiles(e.dataTransfer?.files);
});

window.addEventListener('keydown', (e) => {
  const t = e.target as HTMLElement;
  // The timeline's own arrow keys moved one frame, Shift or not: the player's step (10 with Shift) is taken instead.
  if (t instanceof HTMLInputElement && t.type === 'text' && e.key.startsWith('Arrow')) return;
  if (t instanceof HTMLSelectElement) return;
  const big = e.shiftKey ? 10 : 1;
  const actions: Record<string, () => void> = {
    ' ': () => dispatch({ type: 'toggle' }),
    ArrowRight: () => dispatch({ type: 'step', delta: big }),
    ArrowLeft: () => dispatch({ type: 'step', delta: -big }),
    Home: () => dispatch({ type: 'seek', index: 0 }),
    End: () => dispatch({ type: 'seek', index: player.timesMs.length - 1 }),
    g: () => {
      if (!ui.gt.disabled) {
        ui.gt.checked = !ui.gt.checked;
        gtWanted = ui.gt.checked;
        redraw();
      }
    },
    '+': () => dispatch({ type: 'speed', speed: nextSpeed(player.speed, 1) }),
    '=': () => dispatch({ type: 'speed', speed: nextSpeed(player.speed, 1) }),
    '-': () => dispatch({ type: 'speed', speed: nextSpeed(player.speed, -1) }),
    o: () => ui.fileInput.click(),
  };
  const fn = actions[e.key];
  if (fn) {
    e.preventDefault();
    fn();
  }
});

/**
 * Time `n` full frame updates of the current frame (decode and draw all camera images and boxes, update and
 * render the 3D scene, wait for the GPU): the viewer's sustainable frame rate, independent of the file's rate.
 */
async function benchmark(n = 20) {
  if (!frame || !grid || !scene) return null;
  const gl = scene.renderer.getContext();
  const px = new Uint8Array(4);
  // Warm up first: shader compilation and texture uploads happen once, not per frame.
  for (let i = 0; i < 3; i++) {
    await grid.draw(frame, ui.gt.checked, metrics);
    scene.render(true);
    gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, px);
  }
  const phase = { camerasMs: 0, sceneUpdateMs: 0, renderMs: 0 };
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const a = performance.now();
    await grid.draw(frame, ui.gt.checked, metrics);
    const b = performance.now();
    scene.update(frame, ui.gt.checked);
    const c = performance.now();
    scene.render(true);
    gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, px);
    const d = performance.now();
    phase.camerasMs += (b - a) / n;
    phase.sceneUpdateMs += (c - b) / n;
    phase.renderMs += (d - c) / n;
  }
  const ms = (performance.now() - t0) / n;
  return { frames: n, msPerFrame: ms, fps: 1000 / ms, ...phase };
}

/** Read-only view of the app for tests and debugging. */
const api = {
  benchmark,
  /** For debugging from the console: the live view objects. */
  debug: () => ({ scene, grid, rec, frame }),
  state() {
    const s = summarize(metrics);
    return {
      file: rec?.name ?? null,
      error: errorText,
      frameCount: rec?.frameTimes.length ?? 0,
      index: player.index,
      shownIndex: showing,
      drawCount,
      frameReads,
      playing: player.playing,
      speed: player.speed,
      showGt: ui.gt.checked,
      hasGroundTruth: rec?.hasGroundTruth ?? false,
      cameras: rec?.cameras.map((c) => c.id) ?? [],
      tNs: frame ? frame.tNs.toString() : null,
      drawn: grid?.drawn ?? [],
      metrics: {
        ...s,
        switchesKnown,
        perCamera: [...metrics.values()].map((m) => ({
          camera: m.camera,
          tp: m.tp,
          fp: m.fp,
          fn: m.fn,
          idSwitches: m.switches,
        })),
      },
      scene: scene?.stats ?? null,
      fps: { raf: fps.raf, shown: fps.shown },
      bytesRead: readable instanceof HttpReadable ? readable.bytesRead : null,
    };
  },
};
(window as unknown as { viper: typeof api }).viper = api;

/** `?file=` (and `&images=`, the recording beside a results-only file: `viper view … --images`), as served. */
const params = new URLSearchParams(location.search);
const served = (param: string | null): Source | undefined =>
  param
    ? {
        source: new HttpReadable(new URL(param, location.href).href),
        name: decodeURIComponent(param.split('/').pop() ?? param),
      }
    : undefined;
const fileParam = served(params.get('file'));
if (fileParam) void openSource(fileParam.source, fileParam.name, served(params.get('images')));
