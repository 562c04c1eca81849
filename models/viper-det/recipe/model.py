"""viper-det: a small anchor-free detector (TTFNet-style centre heatmap + box distances) at stride 8.

Backbone: plain 3x3 conv/BN/ReLU stages down to stride 32; a light FPN brings strides 16 and 32 back to
stride 8; one head predicts per cell C class heatmaps (sigmoid) and 4 distances (left, top, right, bottom,
input pixels). `ExportWrapper` folds the decoding into the graph and writes Viper's "viper" output layout:
[N, H/8 * W/8, 5 + C] rows of (cx, cy, w, h, objectness, class probabilities). With `peak='none'` (since run 8's
re-export) objectness is 1 in every cell and Viper's per-class NMS removes same-class duplicates (boxes of two
classes on one object both stay); `'best'` (runs 1-8 as first exported) sets it to 1 only at a 3x3 local maximum
of the best class heatmap (max-pool peak picking, 0 elsewhere); `'class'` zeroes each class probability outside
that class's own 3x3 maxima (CenterNet's per-class peak mask; Viper's adapter then takes one class per cell, and
NMS runs as usual). On val + val2 with run 8's weights: mAP50 0.835 ('best'), 0.853 ('class'), 0.862 ('none'):
a peak can suppress an object whose own peak is in the next cell, and at stride 8 people walking side by side
20-40 px tall are about one cell apart.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

CLASSES = ['car', 'truck', 'bus', 'pedestrian', 'cyclist', 'motorcycle']
STRIDE = 8


def cbr(cin, cout, stride=1, k=3):
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, k // 2, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class Block(nn.Module):
    """Residual 3x3-3x3 block."""

    def __init__(self, c):
        super().__init__()
        self.a = cbr(c, c)
        self.b = nn.Sequential(nn.Conv2d(c, c, 3, 1, 1, bias=False), nn.BatchNorm2d(c))

    def forward(self, x):
        return F.relu(x + self.b(self.a(x)))


class ViperDet(nn.Module):
    """`blocks`: residual blocks at strides 8, 16 and 32 (runs 1-13: one each)."""

    def __init__(self, num_classes=len(CLASSES), w=(12, 24, 48, 64, 96), fpn=48, blocks=(1, 1, 1)):
        super().__init__()
        self.blocks = tuple(blocks)
        self.stem = cbr(3, w[0], 2)  # /2
        self.s4 = cbr(w[0], w[1], 2)  # /4
        self.s8 = nn.Sequential(cbr(w[1], w[2], 2), *[Block(w[2]) for _ in range(blocks[0])])  # /8
        self.s16 = nn.Sequential(cbr(w[2], w[3], 2), *[Block(w[3]) for _ in range(blocks[1])])  # /16
        self.s32 = nn.Sequential(cbr(w[3], w[4], 2), *[Block(w[4]) for _ in range(blocks[2])])  # /32
        self.l8 = nn.Conv2d(w[2], fpn, 1)
        self.l16 = nn.Conv2d(w[3], fpn, 1)
        self.l32 = nn.Conv2d(w[4], fpn, 1)
        self.fuse = cbr(fpn, fpn)
        self.cls_head = nn.Sequential(cbr(fpn, fpn), nn.Conv2d(fpn, num_classes, 1))
        self.box_head = nn.Sequential(cbr(fpn, fpn), nn.Conv2d(fpn, 4, 1))
        nn.init.constant_(self.cls_head[-1].bias, -4.6)  # prior 0.01
        nn.init.constant_(self.box_head[-1].bias, 1.0)

    @staticmethod
    def blocks_in(state):
        """The `blocks` of the network a state dict was saved from (its s8/s16/s32 module indices)."""
        return tuple(len({k.split('.')[1] for k in state if k.startswith(f'{s}.') and k.split('.')[1] != '0'})
                     for s in ('s8', 's16', 's32'))

    @classmethod
    def load(cls, state, blocks=None):
        """A network with `state`'s weights. With more `blocks` than `state` has, the extra residual blocks start
        as the identity (the last BatchNorm's scale 0: relu(x + 0) = x, x being a ReLU output), so the deeper
        network computes exactly what the saved one did and training starts from its accuracy."""
        have = cls.blocks_in(state)
        blocks = tuple(blocks or have)
        if any(b < h for b, h in zip(blocks, have)):
            raise ValueError(f'cannot drop blocks: the weights have {have}, asked for {blocks}')
        model = cls(blocks=blocks)
        missing, unexpected = model.load_state_dict(state, strict=False)
        if unexpected:
            raise ValueError(f'weights not of this network: {unexpected[:3]}')
        for stage, n_have, n in zip(('s8', 's16', 's32'), have, blocks):
            for i in range(n_have + 1, n + 1):
                nn.init.zeros_(getattr(model, stage)[i].b[1].weight)
        new = {k for k in missing if not k.endswith('num_batches_tracked')}
        expected = {k for k in model.state_dict() if k.split('.')[0] in ('s8', 's16', 's32')
                    and int(k.split('.')[1]) > have[('s8', 's16', 's32').index(k.split('.')[0])]}
        if new - expected:
            raise ValueError(f'weights missing: {sorted(new - expected)[:3]}')
        return model

    def forward(self, x):
        """x: [N, 3, H, W] normalised. Returns heat logits [N, C, H/8, W/8] and ltrb distances [N, 4, H/8, W/8]
        in input pixels."""
        c8 = self.s8(self.s4(self.stem(x)))
        c16 = self.s16(c8)
        c32 = self.s32(c16)
        p16 = self.l16(c16) + F.interpolate(self.l32(c32), size=c16.shape[-2:], mode='nearest')
        p8 = self.l8(c8) + F.interpolate(p16, size=c8.shape[-2:], mode='nearest')
        f = self.fuse(p8)
        heat = self.cls_head(f)
        # distances in units of 16 px, exp keeps them positive; 16·e^x covers 1 px … the whole image.
        ltrb = torch.exp(self.box_head(f).clamp(max=6.0)) * 16.0
        return heat, ltrb


def grid_centres(h, w, device=None):
    ys = (torch.arange(h, device=device, dtype=torch.float32) + 0.5) * STRIDE
    xs = (torch.arange(w, device=device, dtype=torch.float32) + 0.5) * STRIDE
    gy, gx = torch.meshgrid(ys, xs, indexing='ij')
    return gx, gy


class ExportWrapper(nn.Module):
    """Normalised NCHW input → [N, cells, 5 + C] in Viper's "viper" layout; `peak`: 'none', 'class' or 'best'."""

    def __init__(self, model, height, width, peak='none'):
        super().__init__()
        if peak not in ('none', 'class', 'best'):
            raise ValueError(f'peak must be none, class or best, not {peak!r}')
        self.model = model
        self.peak = peak
        gx, gy = grid_centres(height // STRIDE, width // STRIDE)
        self.register_buffer('gx', gx.reshape(1, -1))
        self.register_buffer('gy', gy.reshape(1, -1))

    def forward(self, x):
        heat, ltrb = self.model(x)
        prob = torch.sigmoid(heat)
        if self.peak == 'best':
            best = prob.max(dim=1, keepdim=True)[0]
            peak = (F.max_pool2d(best, 3, 1, 1) == best).to(prob.dtype)
        else:
            if self.peak == 'class':
                prob = prob * (F.max_pool2d(prob, 3, 1, 1) == prob).to(prob.dtype)
            peak = torch.ones_like(prob[:, :1])
        n, c = prob.shape[0], prob.shape[1]
        prob = prob.flatten(2).transpose(1, 2)  # [N, cells, C]
        peak = peak.flatten(2).transpose(1, 2)  # [N, cells, 1]
        d = ltrb.flatten(2)  # [N, 4, cells]
        x1 = self.gx - d[:, 0]
        y1 = self.gy - d[:, 1]
        x2 = self.gx + d[:, 2]
        y2 = self.gy + d[:, 3]
        box = torch.stack([(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1], dim=2)
        return torch.cat([box, peak, prob], dim=2)
