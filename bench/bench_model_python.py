#!/usr/bin/python3
"""Prithvi MAE in idiomatic PyTorch (the structure of the official prithvi_mae.py: Conv3d patch
embedding, timm-style blocks, vectorised sin-cos tables), timed like bench/bench_model.cpp:
encoder inference and one MAE training step (75 % masking, backward, AdamW) after a warm-up.
Only for timing; correctness is checked by tests/training against the spec reference."""

import argparse
import json
import statistics
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

CONFIGS = {
    "prithvi_eo_v1_100": dict(img=224, patch=16, dim=768, depth=12, heads=12, ddim=512, ddepth=8, dheads=16),
    "prithvi_eo_v2_tiny_tl": dict(img=224, patch=16, dim=192, depth=12, heads=3, ddim=512, ddepth=8, dheads=16),
    "prithvi_eo_v2_300": dict(img=224, patch=16, dim=1024, depth=24, heads=16, ddim=512, ddepth=8, dheads=16),
}


def sincos_1d(d, pos):
    omega = 1.0 / 10000 ** (np.arange(d // 2, dtype=np.float64) / (d / 2.0))
    out = np.einsum("m,d->md", pos.reshape(-1).astype(np.float64), omega)
    return np.concatenate([np.sin(out), np.cos(out)], axis=1)


def sincos_3d(d, t, h, w):
    wd, hd, td = d // 16 * 6, d // 16 * 6, d // 16 * 4
    gt, gh, gw = np.meshgrid(np.arange(t), np.arange(h), np.arange(w), indexing="ij")
    emb = np.concatenate([sincos_1d(wd, gw), sincos_1d(hd, gh), sincos_1d(td, gt)], axis=1)
    return torch.from_numpy(np.concatenate([np.zeros((1, d)), emb], axis=0)).float().unsqueeze(0)


class Block(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.fc1 = nn.Linear(dim, dim * 4)
        self.fc2 = nn.Linear(dim * 4, dim)
        self.heads = heads

    def forward(self, x):
        B, N, C = x.shape
        qkv = self.qkv(self.norm1(x)).reshape(B, N, 3, self.heads, C // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        if hasattr(F, "scaled_dot_product_attention"):
            a = F.scaled_dot_product_attention(q, k, v)
        else:
            a = ((q @ k.transpose(-2, -1)) * (C // self.heads) ** -0.5).softmax(-1) @ v
        x = x + self.proj(a.transpose(1, 2).reshape(B, N, C))
        return x + self.fc2(F.gelu(self.fc1(self.norm2(x))))


class MAE(nn.Module):
    def __init__(self, c, frames):
        super().__init__()
        self.c = c
        self.p = c["patch"]
        self.grid = (frames, c["img"] // self.p, c["img"] // self.p)
        self.proj = nn.Conv3d(6, c["dim"], (1, self.p, self.p), (1, self.p, self.p))
        self.cls = nn.Parameter(torch.zeros(1, 1, c["dim"]))
        self.register_buffer("pos", sincos_3d(c["dim"], *self.grid))
        self.blocks = nn.ModuleList([Block(c["dim"], c["heads"]) for _ in range(c["depth"])])
        self.norm = nn.LayerNorm(c["dim"], eps=1e-6)
        self.dembed = nn.Linear(c["dim"], c["ddim"])
        self.mask_token = nn.Parameter(torch.zeros(1, 1, c["ddim"]))
        self.register_buffer("dpos", sincos_3d(c["ddim"], *self.grid))
        self.dblocks = nn.ModuleList([Block(c["ddim"], c["dheads"]) for _ in range(c["ddepth"])])
        self.dnorm = nn.LayerNorm(c["ddim"], eps=1e-6)
        self.pred = nn.Linear(c["ddim"], self.p * self.p * 6)

    def encode(self, x, mask_ratio=0.0):
        x = self.proj(x).flatten(2).transpose(1, 2) + self.pos[:, 1:]
        B, L, D = x.shape
        ids_restore, mask = None, None
        if mask_ratio > 0:
            keep = int(L * (1 - mask_ratio))
            ids_shuffle = torch.argsort(torch.rand(B, L), dim=1)
            ids_restore = torch.argsort(ids_shuffle, dim=1)
            x = torch.gather(x, 1, ids_shuffle[:, :keep].unsqueeze(-1).repeat(1, 1, D))
            mask = torch.ones(B, L)
            mask[:, :keep] = 0
            mask = torch.gather(mask, 1, ids_restore)
        x = torch.cat([(self.cls + self.pos[:, :1]).expand(B, -1, -1), x], dim=1)
        for block in self.blocks:
            x = block(x)
        return self.norm(x), mask, ids_restore

    def forward(self, pixels, mask_ratio=0.75):
        latent, mask, ids_restore = self.encode(pixels, mask_ratio)
        y = self.dembed(latent)
        B, L = mask.shape
        fill = self.mask_token.repeat(B, L + 1 - y.shape[1], 1)
        y_ = torch.gather(torch.cat([y[:, 1:], fill], 1), 1, ids_restore.unsqueeze(-1).repeat(1, 1, y.shape[2]))
        y = torch.cat([y[:, :1], y_], 1) + self.dpos
        for block in self.dblocks:
            y = block(y)
        pred = self.pred(self.dnorm(y))[:, 1:]
        t, h, w = self.grid
        target = pixels.reshape(B, 6, t, h, self.p, w, self.p).permute(0, 2, 3, 5, 4, 6, 1).reshape(B, L, -1)
        return (((pred - target) ** 2).mean(-1) * mask).sum() / mask.sum()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", default="prithvi_eo_v2_tiny_tl", choices=sorted(CONFIGS))
    ap.add_argument("--frames", type=int, default=1)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = MAE(CONFIGS[a.config], a.frames)
    pixels = torch.randn(a.batch, 6, a.frames, 224, 224)
    inference, training = [], []
    with torch.inference_mode():
        model.eval()
        model.encode(pixels)
        for _ in range(a.repeats):
            start = time.perf_counter()
            model.encode(pixels)
            inference.append(time.perf_counter() - start)
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    for r in range(a.repeats + 1):
        start = time.perf_counter()
        optimizer.zero_grad()
        model(pixels).backward()
        optimizer.step()
        if r > 0:
            training.append(time.perf_counter() - start)
    print(json.dumps(dict(impl="Python PyTorch " + torch.__version__, config=a.config, frames=a.frames, batch=a.batch,
                          threads=a.threads, encoder_s=round(statistics.median(inference), 4),
                          train_step_s=round(statistics.median(training), 4), encoder_min_s=round(min(inference), 4),
                          train_step_min_s=round(min(training), 4))))


if __name__ == "__main__":
    main()
