/**
 * A terminal progress bar on stderr: percent, items/s, ETA. Wall time is used for display only, never for logic.
 * When stderr is not a TTY (CI, pipes) it prints a plain line every 10% instead of redrawing, the last one when it
 * finishes (so its `extra` is the final one; only that line when the total is unknown, e.g. a video that does not
 * state its frame count).
 */
export interface Progress {
  update(done: number, extra?: string): void;
  finish(extra?: string): void;
  /** End the bar where it got to (an interrupted run), not at 100 %. */
  stop(extra?: string): void;
}

export function createProgress(label: string, total: number, unit = 'frames', enabled = true): Progress {
  const stream = process.stderr;
  const tty = stream.isTTY === true;
  const start = performance.now();
  let lastDraw = 0;
  let lastDecile = -1;
  let lastDone = 0;
  const render = (done: number, extra?: string) => {
    const elapsedS = (performance.now() - start) / 1000;
    const rate = elapsedS > 0 ? done / elapsedS : 0;
    // Unknown total (e.g. a video that does not state its frame count): a count and a rate, no bar.
    if (!(total > 0))
      return `${label} ${done} ${unit} ${rate.toFixed(1)} ${unit}/s${extra ? ` ${extra}` : ''}`;
    const frac = Math.min(1, done / total);
    // Nothing done yet: no rate to tell the time left by (it read "ETA 0s" at the start).
    const eta = rate > 0 ? formatS((total - done) / rate) : done >= total ? formatS(0) : '…';
    const width = 28;
    const filled = Math.round(frac * width);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    return `${label} ${bar} ${(frac * 100).toFixed(0).padStart(3)}% ${done}/${total} ${unit} ${rate.toFixed(1)} ${unit}/s ETA ${eta}${extra ? ` ${extra}` : ''}`;
  };
  return {
    update(done, extra) {
      if (!enabled) return;
      lastDone = done;
      const now = performance.now();
      if (tty) {
        if (now - lastDraw < 100) return;
        lastDraw = now;
        stream.write(`\r${render(done, extra)}\x1b[K`);
      } else if (total > 0) {
        const decile = Math.floor((done / total) * 10);
        if (decile > lastDecile && done < total) {
          lastDecile = decile;
          stream.write(`${render(done, extra)}\n`);
        }
      }
    },
    finish(extra) {
      if (!enabled) return;
      const line = render(total > 0 ? total : lastDone, extra);
      stream.write(tty ? `\r${line}\x1b[K\n` : `${line}\n`);
    },
    stop(extra) {
      if (!enabled) return;
      const line = render(lastDone, extra);
      stream.write(tty ? `\r${line}\x1b[K\n` : `${line}\n`);
    },
  };
}

function formatS(s: number): string {
  if (!Number.isFinite(s)) return '--';
  const m = Math.floor(s / 60);
  const r = Math.round(s % 60);
  return m > 0 ? `${m}m${String(r).padStart(2, '0')}s` : `${r}s`;
}

/** Off a terminal, a running item's status is written as a line when it has run this long since its last one. */
export const HEARTBEAT_MS = 30_000;

/**
 * One status line on a terminal for work running side by side (the suite's workers): `set` an entry per running
 * item, `delete` it when the item is done; `print` writes a line above the status. When stderr is not a TTY (CI,
 * pipes) an item's status is a line of its own once every HEARTBEAT_MS it runs (a scenario of a few minutes had
 * left a CI log silent until it ended; the bundled ones, seconds long, print none).
 */
export function createStatusLine(enabled = true, now: () => number = () => performance.now()) {
  const stream = process.stderr;
  const on = enabled && stream.isTTY === true;
  const entries = new Map<string, string>();
  /** Off a terminal: when each running item started, or last had its status written. */
  const heard = new Map<string, number>();
  let lastDraw = 0;
  let shown = false;
  const draw = () => {
    const cols = stream.columns || 100;
    const text = [...entries.values()].join(' · ');
    stream.write(`\r${text.length > cols - 1 ? `${text.slice(0, cols - 2)}…` : text}\x1b[K`);
    shown = text.length > 0;
  };
  const erase = () => {
    if (shown) stream.write('\r\x1b[K');
    shown = false;
  };
  return {
    set(key: string, text: string) {
      if (!on) {
        if (!enabled) return;
        const t = now();
        const last = heard.get(key);
        if (last === undefined) heard.set(key, t);
        else if (t - last >= HEARTBEAT_MS) {
          heard.set(key, t);
          stream.write(`  … ${text}\n`);
        }
        return;
      }
      entries.set(key, text);
      const t = now();
      if (t - lastDraw < 100) return;
      lastDraw = t;
      draw();
    },
    delete(key: string) {
      entries.delete(key);
      heard.delete(key);
    },
    /** Write `line` (ending in a newline) on stderr, above the status line. */
    print(line: string) {
      if (!on) {
        stream.write(line);
        return;
      }
      erase();
      stream.write(line);
      if (entries.size > 0) draw();
    },
    clear() {
      if (on) erase();
    },
  };
}

/** `dense_plaza replay 40%`: one scenario's entry in the status line. */
export function scenarioStatus(name: string, p: { phase: string; done: number; total: number }): string {
  const pct = p.total > 0 ? Math.floor((100 * p.done) / p.total) : 0;
  return `${name} ${p.phase} ${pct}%`;
}
