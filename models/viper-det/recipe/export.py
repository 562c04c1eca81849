#!/usr/bin/env python3
"""Export a viper-det checkpoint to ONNX in Viper's "viper" output layout (decoding folded into the graph).

    /usr/bin/python3 models/viper-det/recipe/export.py /tmp/vdet/run/viper-det-final.pt models/viper-det/viper-det.onnx \
        [WIDTH HEIGHT [PEAK]]   # input size, default 448 256 (must match the card's input); PEAK: none (default),
                                # class or best (runs 1-8 as first exported), see model.py
"""
import sys

import torch

from model import ExportWrapper, ViperDet


def export_onnx(model, path, height=256, width=448, peak='none'):
    wrapper = ExportWrapper(model, height, width, peak).eval()
    dummy = torch.zeros(1, 3, height, width)
    with torch.no_grad():
        torch.onnx.export(
            wrapper, dummy, path, input_names=['images'], output_names=['detections'],
            dynamic_axes={'images': {0: 'batch'}, 'detections': {0: 'batch'}}, opset_version=13,
            do_constant_folding=True)


if __name__ == '__main__':
    m = ViperDet.load(torch.load(sys.argv[1], map_location='cpu'))
    m.eval()
    w, h = (int(sys.argv[3]), int(sys.argv[4])) if len(sys.argv) > 4 else (448, 256)
    export_onnx(m, sys.argv[2], h, w, sys.argv[5] if len(sys.argv) > 5 else 'none')
    print('wrote', sys.argv[2])
