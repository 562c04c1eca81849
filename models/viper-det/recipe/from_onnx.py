#!/usr/bin/env python3
"""Recover a trainable checkpoint (.pt) from an exported viper-det ONNX file, so a run can continue from the
committed model without the training run's own checkpoint.

The export folds every BatchNorm into the convolution before it (W' = γ/σ·W, b' = β + γ/σ·(b − μ)), which loses
μ and σ. They are measured again: with the BatchNorms set to pass W'x + b' through unchanged, the network runs
over some training images and each BatchNorm takes μ and σ² from its input there, with γ = σ and β = μ + b'.
That computes exactly the exported function in eval mode, and in train mode (batch statistics) nearly the same,
so training continues where the exported model stands.

    /usr/bin/python3 models/viper-det/recipe/from_onnx.py models/viper-det/viper-det.onnx /tmp/vdet/run11.pt \
        --data /tmp/vdet/ds8 --size 576 320
"""
import argparse

import numpy as np
import onnx
import torch
from onnx import numpy_helper

import train
from model import ViperDet


def folded_convs(model):
    """(conv, bn) pairs in the order the exporter created their folded initializers (module order)."""
    pairs = []
    for mod in model.modules():
        kids = list(mod.children())
        for a, b in zip(kids, kids[1:]):
            if isinstance(a, torch.nn.Conv2d) and isinstance(b, torch.nn.BatchNorm2d):
                pairs.append((a, b))
    return pairs


def load_onnx(model, path):
    g = onnx.load(path).graph
    inits = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    pairs = folded_convs(model)
    in_pairs = {id(p) for conv, bn in pairs for p in (*conv.parameters(), *bn.parameters())}
    for name, param in model.named_parameters():  # convolutions without a BatchNorm keep their names
        if id(param) in in_pairs:
            continue
        if f'model.{name}' not in inits:
            raise SystemExit(f'{path}: no initializer model.{name}: not a viper-det export of this network')
        value = inits[f'model.{name}']
        if tuple(value.shape) != tuple(param.shape):
            raise SystemExit(f'{path}: model.{name} has shape {value.shape}, expected {tuple(param.shape)}')
        param.data = torch.from_numpy(value.copy())
    # folded weight/bias pairs, named onnx::Conv_<n> in creation order (the forward order, which for ViperDet
    # is also the order of model.modules(); the output check in ../README.md, run 12, confirms it)
    folded = sorted((k for k in inits if k.startswith('onnx::Conv_')), key=lambda k: int(k.rsplit('_', 1)[1]))
    if len(folded) != 2 * len(pairs):
        raise SystemExit(f'{path}: {len(folded)} folded tensors for {len(pairs)} conv+BN pairs: not a viper-det export')
    for (conv, bn), wk, bk in zip(pairs, folded[0::2], folded[1::2]):
        w, b = inits[wk], inits[bk]
        if tuple(w.shape) != tuple(conv.weight.shape) or tuple(b.shape) != (conv.out_channels,):
            raise SystemExit(f'{path}: {wk}/{bk} have shapes {w.shape}/{b.shape}, expected '
                             f'{tuple(conv.weight.shape)}/({conv.out_channels},)')
        conv.weight.data = torch.from_numpy(w.copy())
        bn.weight.data.fill_(1.0)
        bn.bias.data = torch.from_numpy(b.copy())
        bn.running_mean.zero_()
        bn.running_var.fill_(1.0 - bn.eps)  # (x − 0) / sqrt(var + eps) = x
    return pairs


def calibrate(model, pairs, images):
    stats = {}

    def hook(bn):
        def f(_mod, inp, _out):
            x = inp[0].detach().double()
            s = stats.setdefault(bn, [0, 0.0, 0.0])
            s[0] += x.shape[0] * x.shape[2] * x.shape[3]
            s[1] = s[1] + x.sum(dim=(0, 2, 3))
            s[2] = s[2] + (x * x).sum(dim=(0, 2, 3))
        return f

    handles = [bn.register_forward_hook(hook(bn)) for _, bn in pairs]
    model.eval()
    with torch.no_grad():
        for i in range(0, len(images), 16):
            x = torch.from_numpy(np.stack(images[i:i + 16])).permute(0, 3, 1, 2).float() / 255.0
            model(x)
    for h in handles:
        h.remove()
    for _, bn in pairs:
        n, s1, s2 = stats[bn]
        mean = s1 / n
        var = (s2 / n - mean * mean).clamp(min=0)
        bias = bn.bias.data.double()
        bn.running_mean.copy_(mean.float())
        bn.running_var.copy_(var.float())
        bn.weight.data = torch.sqrt(var + bn.eps).float()
        bn.bias.data = (mean + bias).float()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('onnx')
    ap.add_argument('out')
    ap.add_argument('--data', nargs='+', required=True, help='datasets whose train images measure the statistics')
    ap.add_argument('--size', type=int, nargs=2, default=[576, 320], metavar=('W', 'H'))
    ap.add_argument('--images', type=int, default=512, help='images used, spread evenly over the train split')
    a = ap.parse_args()
    train.IN_W, train.IN_H = a.size
    imgs, _ = train.load_split(a.data, 'train', lazy=True)
    pick = np.linspace(0, len(imgs) - 1, min(a.images, len(imgs))).round().astype(int)
    model = ViperDet()
    pairs = load_onnx(model, a.onnx)
    calibrate(model, pairs, [imgs[i] for i in pick])
    torch.save(model.state_dict(), a.out)
    print(f'wrote {a.out} ({len(pairs)} BatchNorms measured on {len(pick)} images)')


if __name__ == '__main__':
    main()
