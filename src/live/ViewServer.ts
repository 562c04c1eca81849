/**
 * The HTTP server behind `viper view`: serves the built viewer (viewer/dist) and exactly one recording (and, with
 * `--images`, the recording beside a results-only file), the latter with HTTP Range support so the browser reads it by seeking (summary, chunk indexes, then only the chunks
 * a frame needs) instead of downloading it whole.
 *
 * Security: it binds 127.0.0.1 by default, answers only GET/HEAD, serves only files under `distDir` (resolved
 * real paths, so `..`, encoded `%2e%2e`, backslashes and symlinks out of the folder are refused with 403) and the
 * one recording at `/file/<its name>` (the images' at `/images/<its name>`); everything else is 404. Bound to loopback, it also refuses (403) a `Host`
 * that is not a loopback name: otherwise a web page whose domain re-resolves to 127.0.0.1 (DNS rebinding) could
 * read the recording from the user's browser.
 */
import { listenHint } from './listenHint.ts';
import { createReadStream, promises as fsp } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, extname, join, resolve, sep } from 'node:path';
import { ConfigError } from '../contracts/errors.ts';

export interface ViewServerOptions {
  /** Folder with the built viewer (index.html and assets). */
  distDir: string;
  /** The recording or results MCAP to serve. */
  file: string;
  /** The recording a results-only `file` was made from: the viewer draws its images under the boxes. */
  images?: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (a free port). */
  port?: number;
}

export interface ViewServer {
  /** Page URL with `?file=` pointing at the served recording (and `&images=` at the recording beside it). */
  url: string;
  port: number;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.mcap': 'application/octet-stream',
};

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** Host name of a `Host` header (`name:port`, `[v6]:port`), lower-case; undefined when there is none. */
function hostName(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.lastIndexOf(':');
  return colon < 0 ? h : h.slice(0, colon);
}

/** Parse a single `bytes=` range against a file size; null when absent, 'invalid' when unsatisfiable. */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | null | 'invalid' {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return 'invalid';
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'invalid';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start > end || start >= size) return 'invalid';
  return { start, end };
}

/** Resolve a URL path inside `root`; null when it escapes (after decoding and following symlinks) or is odd. */
async function resolveInside(root: string, urlPath: string): Promise<string | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const rootReal = await fsp.realpath(root);
  const candidate = resolve(rootReal, `.${decoded.startsWith('/') ? decoded : `/${decoded}`}`);
  if (candidate !== rootReal && !candidate.startsWith(rootReal + sep)) return null;
  try {
    const real = await fsp.realpath(candidate);
    if (real !== rootReal && !real.startsWith(rootReal + sep)) return null;
    return real;
  } catch {
    return candidate; // does not exist: the caller answers 404
  }
}

async function sendFile(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  ranged: boolean,
): Promise<void> {
  let stat: Awaited<ReturnType<typeof fsp.stat>>;
  try {
    stat = await fsp.stat(path);
  } catch {
    return void res.writeHead(404).end('not found');
  }
  if (!stat.isFile()) return void res.writeHead(404).end('not found');
  const size = stat.size;
  const headers: Record<string, string | number> = {
    'Content-Type': MIME[extname(path)] ?? 'application/octet-stream',
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
  };
  let start = 0;
  let end = size - 1;
  let status = 200;
  if (ranged) {
    headers['Accept-Ranges'] = 'bytes';
    const range = parseRange(req.headers.range, size);
    if (range === 'invalid') {
      return void res.writeHead(416, { 'Content-Range': `bytes */${size}` }).end();
    }
    if (range) {
      ({ start, end } = range);
      status = 206;
      headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
    }
  }
  headers['Content-Length'] = size === 0 ? 0 : end - start + 1;
  res.writeHead(status, headers);
  if (req.method === 'HEAD' || size === 0) return void res.end();
  const stream = createReadStream(path, { start, end });
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

/** Start serving. Rejects with ConfigError when the port cannot be bound. */
export async function startViewServer(options: ViewServerOptions): Promise<ViewServer> {
  const host = options.host ?? '127.0.0.1';
  const filePath = resolve(options.file);
  const fileRoute = `/file/${encodeURIComponent(basename(filePath))}`;
  const imagesPath = options.images === undefined ? undefined : resolve(options.images);
  const imagesRoute = imagesPath && `/images/${encodeURIComponent(basename(imagesPath))}`;
  const loopbackOnly = LOOPBACK_NAMES.has(host);
  const server: Server = createServer((req, res) => {
    void handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end('internal error');
      else res.destroy();
    });
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return void res.writeHead(405, { Allow: 'GET, HEAD' }).end();
    }
    // Browsers always send Host; a request without one cannot come from a rebound page.
    const name = hostName(req.headers.host);
    if (loopbackOnly && name !== undefined && !LOOPBACK_NAMES.has(name)) {
      return void res.writeHead(403).end('forbidden host');
    }
    const rawPath = (req.url ?? '/').split('?')[0]!.split('#')[0]!;
    if (rawPath === fileRoute) return sendFile(req, res, filePath, true);
    if (imagesPath && rawPath === imagesRoute) return sendFile(req, res, imagesPath, true);
    const rel = rawPath === '/' ? '/index.html' : rawPath;
    const inside = await resolveInside(options.distDir, rel);
    if (inside === null) return void res.writeHead(403).end('forbidden');
    return sendFile(req, res, inside, false);
  }
  const port = options.port ?? 0;
  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', (err: Error) =>
      reject(
        new ConfigError({
          what: `cannot listen on ${host}:${port}: ${err.message}`,
          where: 'viper view',
          hint: listenHint(err, 'choose another --port or leave it out for a free one'),
          cause: err,
        }),
      ),
    );
    server.listen(port, host, () => resolvePromise());
  });
  const bound = (server.address() as AddressInfo).port;
  // A wildcard address is where the server listens, not one a browser can open: this machine's loopback is.
  const shown = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  const h = shown.includes(':') ? `[${shown}]` : shown;
  return {
    url: `http://${h}:${bound}/?file=${encodeURIComponent(fileRoute)}${imagesRoute ? `&images=${encodeURIComponent(imagesRoute)}` : ''}`,
    port: bound,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Path of the built viewer in a checkout. */
export function defaultDistDir(repoRoot: string): string {
  return join(repoRoot, 'viewer', 'dist');
}
