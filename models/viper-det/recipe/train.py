#!/usr/bin/env python3
"""Train viper-det on datasets written by `viper simulate --export-dataset` (YOLO labels).

The schedule is set in wall-clock minutes (--minutes): the learning rate follows a cosine over the elapsed
fraction, and an ONNX export is written every --export-every minutes, so a run on a busy machine always leaves
a usable model behind.

    /usr/bin/python3 models/viper-det/recipe/train.py --data /tmp/vdet/ds1 /tmp/vdet/ds2 --minutes 40 \
        --out /tmp/vdet/run
"""
import argparse
import copy
import glob
import io
import math
import os
import random
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from export import export_onnx
from model import CLASSES, STRIDE, ViperDet, grid_centres

IN_W, IN_H = 448, 256  # model input (--size); 16:9 frames letterbox to 448x252 at the top-left, 4 rows of padding
CONTENT = (448, 252)  # letterboxed image size inside the input (set by load_split; all exported frames share it)
PEAK = 'none'  # decoding of the exports (--peak)
PAD = 114


def content_size(w, h):
    """Size of a w x h image letterboxed into IN_W x IN_H (aspect kept)."""
    r = min(IN_W / w, IN_H / h)
    return min(IN_W, round(w * r)), min(IN_H, round(h * r))


def letterbox(im):
    """PIL image → IN_W x IN_H uint8 HWC: the image resized at the top-left, the rest PAD."""
    nw, nh = content_size(im.width, im.height)
    canvas = np.full((IN_H, IN_W, 3), PAD, np.uint8)
    canvas[:nh, :nw] = np.asarray(im.resize((nw, nh), Image.BILINEAR))
    return canvas


class LazyImages:
    """The JPEG files' bytes, decoded and letterboxed when drawn (--lazy): ~40 kB an image instead of ~680 kB
    decoded at 640x352, for a few ms per drawn image."""

    def __init__(self, data):
        self.data = data

    def __len__(self):
        return len(self.data)

    def __getitem__(self, i):
        return letterbox(Image.open(io.BytesIO(self.data[i])).convert('RGB'))


def load_split(dirs, split, lazy=False):
    """All images of `split` letterboxed to IN_W x IN_H (uint8 HWC; with `lazy`, a LazyImages) and their boxes
    (class, x1, y1, x2, y2 in input pixels)."""
    global CONTENT  # noqa: PLW0603
    imgs, boxes = [], []
    for d in dirs:
        for p in sorted(glob.glob(os.path.join(d, 'images', split, '*.jpg'))):
            with open(p, 'rb') as f:
                data = f.read()
            with Image.open(io.BytesIO(data)) as im:
                nw, nh = CONTENT = content_size(im.width, im.height)  # all frames share one size
                imgs.append(data if lazy else letterbox(im.convert('RGB')))
            lbl = p.replace(os.sep + 'images' + os.sep, os.sep + 'labels' + os.sep)[:-4] + '.txt'
            b = []
            with open(lbl) as f:
                for line in f:
                    c, cx, cy, w, h = line.split()
                    cx, cy, w, h = float(cx) * nw, float(cy) * nh, float(w) * nw, float(h) * nh
                    b.append([int(c), cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2])
            boxes.append(np.array(b, np.float32).reshape(-1, 5))
    return (LazyImages(imgs) if lazy else imgs), boxes


def augment(img, b, rng):
    """Random zoom / placement, horizontal flip and photometric jitter. img uint8 HWC, b [n,5]."""
    w0, h0 = CONTENT  # the image content at the top-left (the rest is letterbox padding)
    content = img[:h0, :w0]
    b = b.copy()
    if rng.random() < 0.6:
        s = math.exp(rng.uniform(math.log(0.6), math.log(1.8)))
        nw, nh = max(8, round(w0 * s)), max(8, round(h0 * s))
        t = torch.from_numpy(content).permute(2, 0, 1)[None].float()
        t = F.interpolate(t, size=(nh, nw), mode='bilinear', align_corners=False)[0]
        canvas = torch.full((3, IN_H, IN_W), float(PAD))
        # place the scaled content: crop a window if larger, random position if smaller
        ox = rng.randint(min(0, IN_W - nw), max(0, IN_W - nw))
        oy = rng.randint(min(0, IN_H - nh), max(0, IN_H - nh))
        sx0, sy0 = max(0, -ox), max(0, -oy)
        dx0, dy0 = max(0, ox), max(0, oy)
        cw, ch = min(nw - sx0, IN_W - dx0), min(nh - sy0, IN_H - dy0)
        canvas[:, dy0:dy0 + ch, dx0:dx0 + cw] = t[:, sy0:sy0 + ch, sx0:sx0 + cw]
        out = canvas
        if len(b):
            b[:, 1:] *= s
            b[:, [1, 3]] += ox
            b[:, [2, 4]] += oy
    else:
        out = torch.from_numpy(img).permute(2, 0, 1).float()
    if len(b):
        area0 = (b[:, 3] - b[:, 1]) * (b[:, 4] - b[:, 2])
        b[:, [1, 3]] = b[:, [1, 3]].clip(0, IN_W)
        b[:, [2, 4]] = b[:, [2, 4]].clip(0, IN_H)
        area1 = (b[:, 3] - b[:, 1]) * (b[:, 4] - b[:, 2])
        keep = (area1 > 0.4 * area0) & (b[:, 3] - b[:, 1] >= 2) & (b[:, 4] - b[:, 2] >= 3)
        b = b[keep]
    if rng.random() < 0.5:
        out = out.flip(2)
        if len(b):
            x1 = IN_W - b[:, 3]
            b[:, 3] = IN_W - b[:, 1]
            b[:, 1] = x1
    if rng.random() < 0.8:
        gain = torch.tensor([rng.uniform(0.85, 1.15) for _ in range(3)]).view(3, 1, 1)
        bright = rng.uniform(0.5, 1.4)
        mean = out.mean()
        contrast = rng.uniform(0.7, 1.3)
        out = ((out - mean) * contrast + mean) * bright * gain
    if rng.random() < 0.3:
        out = out + torch.randn_like(out) * rng.uniform(1, 8)
    return out.clamp(0, 255), b


def targets(b, fh, fw, alpha=0.54):
    """TTFNet targets: per-class elliptical Gaussian heatmaps; box targets and weights on each object's
    Gaussian (smaller objects overwrite larger ones)."""
    heat = np.zeros((len(CLASSES), fh, fw), np.float32)
    box = np.zeros((4, fh, fw), np.float32)
    wgt = np.zeros((fh, fw), np.float32)
    if len(b) == 0:
        return heat, box, wgt
    area = (b[:, 3] - b[:, 1]) * (b[:, 4] - b[:, 2])
    ys, xs = np.mgrid[0:fh, 0:fw].astype(np.float32)
    for i in np.argsort(-area):
        c, x1, y1, x2, y2 = b[i]
        w, h = (x2 - x1) / STRIDE, (y2 - y1) / STRIDE
        cx = min(int((x1 + x2) / 2 / STRIDE), fw - 1)
        cy = min(int((y1 + y2) / 2 / STRIDE), fh - 1)
        sx, sy = max(alpha * w / 6, 0.35), max(alpha * h / 6, 0.35)
        g = np.exp(-((xs - cx) ** 2) / (2 * sx * sx) - ((ys - cy) ** 2) / (2 * sy * sy))
        g[g < 1e-3] = 0
        heat[int(c)] = np.maximum(heat[int(c)], g)
        region = g > 0.05
        region[cy, cx] = True
        gw = g * region
        gw = gw / gw.sum() * math.log(max(area[i], 2.0))
        box[:, region] = np.array([x1, y1, x2, y2], np.float32)[:, None]
        wgt[region] = gw[region]
    return heat, box, wgt


def focal_loss(logits, gt):
    p = torch.sigmoid(logits).clamp(1e-4, 1 - 1e-4)
    pos = gt.eq(1).float()
    neg = 1 - pos
    pos_l = torch.log(p) * (1 - p) ** 2 * pos
    neg_l = torch.log(1 - p) * p ** 2 * (1 - gt) ** 4 * neg
    n = pos.sum().clamp(min=1)
    return -(pos_l.sum() + neg_l.sum()) / n


def giou_loss(pred, gt, w):
    """pred, gt: [M, 4] x1y1x2y2; w: [M]."""
    ix1 = torch.max(pred[:, 0], gt[:, 0])
    iy1 = torch.max(pred[:, 1], gt[:, 1])
    ix2 = torch.min(pred[:, 2], gt[:, 2])
    iy2 = torch.min(pred[:, 3], gt[:, 3])
    inter = (ix2 - ix1).clamp(min=0) * (iy2 - iy1).clamp(min=0)
    ap = (pred[:, 2] - pred[:, 0]) * (pred[:, 3] - pred[:, 1])
    ag = (gt[:, 2] - gt[:, 0]) * (gt[:, 3] - gt[:, 1])
    union = ap + ag - inter + 1e-6
    iou = inter / union
    ex1 = torch.min(pred[:, 0], gt[:, 0])
    ey1 = torch.min(pred[:, 1], gt[:, 1])
    ex2 = torch.max(pred[:, 2], gt[:, 2])
    ey2 = torch.max(pred[:, 3], gt[:, 3])
    enc = (ex2 - ex1) * (ey2 - ey1) + 1e-6
    giou = iou - (enc - union) / enc
    return ((1 - giou) * w).sum() / (w.sum() + 1e-4)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--data', nargs='+', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--minutes', type=float, default=40)
    ap.add_argument('--export-every', type=float, default=8)
    ap.add_argument('--batch', type=int, default=16)
    ap.add_argument('--lr', type=float, default=3e-3)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--init', help='start from these weights (.pt), e.g. to continue a run')
    ap.add_argument('--blocks', type=int, nargs=3, metavar=('S8', 'S16', 'S32'),
                    help='residual blocks per stride (default 1 1 1, or as --init has them; more than --init has '
                         'are added as identities: model.py ViperDet.load)')
    ap.add_argument('--size', type=int, nargs=2, default=[448, 256], metavar=('W', 'H'),
                    help='model input, multiples of 32 (the net is fully convolutional, so --init works across sizes)')
    ap.add_argument('--balance', type=float, default=0.25,
                    help='an image is drawn (n_max / n_rarest_class_in_it) ** balance times more often')
    ap.add_argument('--peak', default='none', choices=['none', 'class', 'best'],
                    help='decoding of the ONNX exports (model.py ExportWrapper); runs 1-8 exported with best')
    ap.add_argument('--ema', type=float, default=0,
                    help='keep an exponential moving average of the weights with this decay (e.g. 0.999) and '
                         'export it instead of the raw weights (0: off)')
    ap.add_argument('--lazy', action='store_true',
                    help='keep the JPEG bytes and decode each image when drawn (for inputs whose decoded images '
                         'would not fit in memory)')
    ap.add_argument('--cpu-clock', action='store_true',
                    help='count --minutes in this process\'s CPU time, so a paused or shared machine still trains '
                         'for the whole budget (the learning-rate schedule follows the same clock)')
    a = ap.parse_args()
    clock = time.process_time if a.cpu_clock else time.time
    global IN_W, IN_H, PEAK  # noqa: PLW0603 (read by load_split / augment / save)
    IN_W, IN_H = a.size
    PEAK = a.peak
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    rng = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)
    t_load = time.time()
    imgs, boxes = load_split(a.data, 'train', a.lazy)
    n_obj = np.bincount(np.concatenate([b[:, 0] for b in boxes]).astype(int), minlength=len(CLASSES))
    print(f'{len(imgs)} train images, objects per class {dict(zip(CLASSES, n_obj.tolist()))}, '
          f'loaded in {time.time() - t_load:.0f} s', flush=True)
    # images with objects are sampled 3x as often as empty ones; rare classes are boosted too
    cls_w = (n_obj.max() / np.maximum(n_obj, 1)) ** a.balance
    weights = np.array([1.0 if len(b) == 0 else 3.0 * max(1.0, float(cls_w[b[:, 0].astype(int)].max()))
                        for b in boxes])
    weights /= weights.sum()
    np_rng = np.random.default_rng(a.seed)

    blocks = tuple(a.blocks) if a.blocks else None
    model = ViperDet.load(torch.load(a.init, map_location='cpu'), blocks) if a.init else ViperDet(blocks=blocks or (1, 1, 1))
    print(f'blocks {model.blocks}, params {sum(p.numel() for p in model.parameters()) / 1e6:.2f} M, input {IN_W}x{IN_H}', flush=True)
    # expected objects per class per drawn image, after the weighting
    drawn = sum(w * np.bincount(b[:, 0].astype(int), minlength=len(CLASSES)) for w, b in zip(weights, boxes))
    print('sampled object share', {c: round(float(v), 3) for c, v in zip(CLASSES, drawn / drawn.sum())}, flush=True)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=5e-4)
    ema = copy.deepcopy(model).eval() if a.ema > 0 else None
    fh, fw = IN_H // STRIDE, IN_W // STRIDE
    gx, gy = grid_centres(fh, fw)
    t0 = clock()
    t_wall = time.time()
    budget = a.minutes * 60
    next_export = a.export_every * 60
    step = 0
    hist = []
    while True:
        el = clock() - t0
        if el >= budget:
            break
        frac = el / budget
        lr = a.lr * min(1.0, (step + 1) / 100) * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * frac)))
        for g in opt.param_groups:
            g['lr'] = lr
        idx = np_rng.choice(len(imgs), size=a.batch, p=weights)
        xs, hs, bs, ws = [], [], [], []
        for i in idx:
            x, b = augment(imgs[i], boxes[i], rng)
            h, bt, w = targets(b, fh, fw)
            xs.append(x)
            hs.append(torch.from_numpy(h))
            bs.append(torch.from_numpy(bt))
            ws.append(torch.from_numpy(w))
        x = torch.stack(xs) / 255.0
        heat_gt, box_gt, w_gt = torch.stack(hs), torch.stack(bs), torch.stack(ws)
        model.train()
        heat, ltrb = model(x)
        l_heat = focal_loss(heat, heat_gt)
        m = w_gt > 0
        pred = torch.stack([gx - ltrb[:, 0], gy - ltrb[:, 1], gx + ltrb[:, 2], gy + ltrb[:, 3]], dim=1)
        pb = pred.permute(0, 2, 3, 1)[m]
        gb = box_gt.permute(0, 2, 3, 1)[m]
        l_box = giou_loss(pb, gb, w_gt[m]) if m.any() else heat.sum() * 0
        loss = l_heat + 5.0 * l_box
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 10.0)
        opt.step()
        if ema is not None:
            # YOLOv5's ModelEMA: the decay ramps up over the first ~2000 steps; BN statistics are averaged too.
            d = a.ema * (1 - math.exp(-(step + 1) / 2000))
            with torch.no_grad():
                src = model.state_dict()
                for k, v in ema.state_dict().items():
                    if v.dtype.is_floating_point:
                        v.mul_(d).add_(src[k].detach(), alpha=1 - d)
                    else:
                        v.copy_(src[k])
        hist.append((l_heat.item(), l_box.item()))
        step += 1
        if step % 20 == 0:
            h = np.mean(hist[-20:], axis=0)
            print(f'step {step} t {el / 60:.1f} min lr {lr:.2e} heat {h[0]:.3f} giou {h[1]:.3f} '
                  f'{step * a.batch / max(el, 1):.1f} img/s', flush=True)
        if el >= next_export:
            next_export += a.export_every * 60
            save(ema or model, a.out, f'step{step}')
    save(ema or model, a.out, 'final')
    print(f'done: {step} steps, {step * a.batch} samples, {(clock() - t0) / 60:.1f} min on the budget clock, '
          f'{(time.time() - t_wall) / 60:.1f} min wall', flush=True)


def save(model, out, tag):
    model.eval()
    torch.save(model.state_dict(), os.path.join(out, f'viper-det-{tag}.pt'))
    export_onnx(model, os.path.join(out, f'viper-det-{tag}.onnx'), IN_H, IN_W, PEAK)
    print(f'exported {tag}', flush=True)
    model.train()


if __name__ == '__main__':
    main()
