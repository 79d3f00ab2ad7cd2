#!/usr/bin/python3
"""An independent Prithvi masked autoencoder, written from spec/prithvi.md (sections 1.3-1.9, 2.2).

It shares no code or structure with the C++ model: weights live in a flat dict under the canonical
checkpoint names, every layer is a plain function, LayerNorm / GELU / attention are written out,
the position tables are built token by token from the closed form, and patchify cuts each token
out of the image one by one. Plain torch (Debian's python3-torch), no safetensors package: the
files are written by hand (8-byte little-endian header length, JSON header, raw bytes).

Script mode writes, into --out:
  config.json          the config used
  weights.safetensors  parameters and pos-embed buffers, canonical PrithviMAE keys
  inputs.safetensors   pixels (B,C,T,H,W), noise (B,L) [, temporal_coords (B,T,2), location_coords (B,2)]
  expected.safetensors latent, pred, mask, ids_restore, loss (float32 [1])
  step.safetensors     grad.<key> for every parameter and updated.<key> = key - lr * grad (one SGD step)

Conventions chosen where the spec leaves room (the C++ model uses the same):
  - all sin-cos tables are computed in float64 and rounded to float32 once;
  - norm_pix_loss uses the unbiased per-token variance and eps 1e-6 (as the released code).
"""

import argparse
import json
import math
import os
import struct
import sys

import numpy as np
import torch

# ---------------------------------------------------------------------------------------------
# configs

BUILTIN = {
    "tiny_test": dict(img_size=32, patch_size=8, tubelet_size=1, num_frames=2, in_chans=6, embed_dim=64,
                      depth=2, num_heads=4, decoder_embed_dim=32, decoder_depth=1, decoder_num_heads=4,
                      mlp_ratio=4.0, norm_eps=1e-6, mask_ratio=0.75, norm_pix_loss=False, coords_encoding=[],
                      coords_scale_learn=False),
    "small_test": dict(img_size=64, patch_size=16, tubelet_size=1, num_frames=3, in_chans=6, embed_dim=128,
                       depth=4, num_heads=8, decoder_embed_dim=64, decoder_depth=2, decoder_num_heads=4,
                       mlp_ratio=4.0, norm_eps=1e-6, mask_ratio=0.75, norm_pix_loss=False, coords_encoding=[],
                       coords_scale_learn=False),
    "prithvi_eo_v1_100": dict(img_size=224, patch_size=16, tubelet_size=1, num_frames=3, in_chans=6, embed_dim=768,
                              depth=12, num_heads=12, decoder_embed_dim=512, decoder_depth=8, decoder_num_heads=16,
                              mlp_ratio=4.0, norm_eps=1e-6, mask_ratio=0.75, norm_pix_loss=False,
                              coords_encoding=[], coords_scale_learn=False),
}
BUILTIN["tiny_test_tl"] = dict(BUILTIN["tiny_test"], coords_encoding=["time", "location"], coords_scale_learn=True)


def load_config(args):
    if args.config_json:
        with open(args.config_json) as f:
            cfg = json.load(f)
    else:
        cfg = dict(BUILTIN[args.config])
    if args.mask_ratio is not None:
        cfg["mask_ratio"] = args.mask_ratio
    if args.norm_pix_loss:
        cfg["norm_pix_loss"] = True
    return cfg


def grid_of(cfg, frames, height, width):
    return frames // cfg["tubelet_size"], height // cfg["patch_size"], width // cfg["patch_size"]


# ---------------------------------------------------------------------------------------------
# fixed encodings (spec 1.4 and 1.9), token by token

def sincos(d, position):
    """[sin(pos*w_0..w_{d/2-1}) | cos(...)] with w_i = 10000^(-i/(d/2)), float64."""
    half = d // 2
    angles = [position / (10000.0 ** (i / half)) for i in range(half)]
    return [math.sin(a) for a in angles] + [math.cos(a) for a in angles]


def pos_table(d, T, H, W):
    """(1 + T*H*W, d): zero cls row, then one row per token in (t, h, w) order: [w | h | t]."""
    dw = d // 16 * 6
    dh = d // 16 * 6
    dt = d // 16 * 4
    rows = [[0.0] * d]
    for t in range(T):
        for h in range(H):
            for w in range(W):
                rows.append(sincos(dw, w) + sincos(dh, h) + sincos(dt, t))
    return torch.tensor(np.array(rows, dtype=np.float64), dtype=torch.float32)


def time_table(d, coords):
    """coords (B, T, 2) -> (B, T, d) = [sincos_{d/2}(year) | sincos_{d-d/2}(doy)]."""
    B, T, _ = coords.shape
    out = np.zeros((B, T, d))
    c = coords.double().numpy()
    for b in range(B):
        for t in range(T):
            out[b, t] = sincos(d // 2, c[b, t, 0]) + sincos(d - d // 2, c[b, t, 1])
    return torch.tensor(out, dtype=torch.float32)


def location_table(d, coords):
    """coords (B, 2) = [lat, lon] -> (B, 1, d)."""
    B = coords.shape[0]
    out = np.zeros((B, 1, d))
    c = coords.double().numpy()
    for b in range(B):
        out[b, 0] = sincos(d // 2, c[b, 0]) + sincos(d - d // 2, c[b, 1])
    return torch.tensor(out, dtype=torch.float32)


# ---------------------------------------------------------------------------------------------
# weights: canonical names (spec 2.2 with the encoder./decoder. prefixes of the EO-2.0 layout)

def weight_shapes(cfg):
    D, Dd = cfg["embed_dim"], cfg["decoder_embed_dim"]
    C, s, p = cfg["in_chans"], cfg["tubelet_size"], cfg["patch_size"]
    T, H, W = grid_of(cfg, cfg["num_frames"], cfg["img_size"], cfg["img_size"])
    L = T * H * W
    shapes = []
    enc, dec = "encoder.", "decoder."
    shapes.append((enc + "cls_token", [1, 1, D]))
    shapes.append((enc + "pos_embed", [1, 1 + L, D]))
    shapes.append((enc + "patch_embed.proj.weight", [D, C, s, p, p]))
    shapes.append((enc + "patch_embed.proj.bias", [D]))

    def blocks(prefix, n, dim):
        hid = int(dim * cfg["mlp_ratio"])
        for i in range(n):
            b = "%s%d." % (prefix, i)
            shapes.extend([(b + "norm1.weight", [dim]), (b + "norm1.bias", [dim]),
                           (b + "attn.qkv.weight", [3 * dim, dim]), (b + "attn.qkv.bias", [3 * dim]),
                           (b + "attn.proj.weight", [dim, dim]), (b + "attn.proj.bias", [dim]),
                           (b + "norm2.weight", [dim]), (b + "norm2.bias", [dim]),
                           (b + "mlp.fc1.weight", [hid, dim]), (b + "mlp.fc1.bias", [hid]),
                           (b + "mlp.fc2.weight", [dim, hid]), (b + "mlp.fc2.bias", [dim])])

    blocks(enc + "blocks.", cfg["depth"], D)
    shapes.extend([(enc + "norm.weight", [D]), (enc + "norm.bias", [D])])
    coords = cfg.get("coords_encoding") or []
    learn = cfg.get("coords_scale_learn", False)
    if "time" in coords:
        shapes.append((enc + "temporal_embed_enc.scale", [1]))
    if "location" in coords:
        shapes.append((enc + "location_embed_enc.scale", [1]))
    shapes.append((dec + "mask_token", [1, 1, Dd]))
    shapes.append((dec + "decoder_pos_embed", [1, 1 + L, Dd]))
    shapes.extend([(dec + "decoder_embed.weight", [Dd, D]), (dec + "decoder_embed.bias", [Dd])])
    blocks(dec + "decoder_blocks.", cfg["decoder_depth"], Dd)
    shapes.extend([(dec + "decoder_norm.weight", [Dd]), (dec + "decoder_norm.bias", [Dd])])
    shapes.extend([(dec + "decoder_pred.weight", [s * p * p * C, Dd]), (dec + "decoder_pred.bias", [s * p * p * C])])
    if "time" in coords:
        shapes.append((dec + "temporal_embed_dec.scale", [1]))
    if "location" in coords:
        shapes.append((dec + "location_embed_dec.scale", [1]))
    return shapes


def is_buffer(cfg, name):
    if name.endswith("pos_embed"):
        return True
    return name.endswith(".scale") and not cfg.get("coords_scale_learn", False)


def make_weights(cfg, gen):
    """Random but well-scaled weights; LayerNorm affine and biases deliberately not 1/0."""
    T, H, W = grid_of(cfg, cfg["num_frames"], cfg["img_size"], cfg["img_size"])
    out = {}
    for name, shape in weight_shapes(cfg):
        if name == "encoder.pos_embed":
            out[name] = pos_table(cfg["embed_dim"], T, H, W).unsqueeze(0)
        elif name == "decoder.decoder_pos_embed":
            out[name] = pos_table(cfg["decoder_embed_dim"], T, H, W).unsqueeze(0)
        elif name.endswith(".scale"):
            out[name] = torch.tensor([0.1 if cfg.get("coords_scale_learn") else 1.0]) + \
                (0.05 * torch.rand(1, generator=gen) if cfg.get("coords_scale_learn") else 0.0)
        elif "norm" in name and name.endswith(".weight"):
            out[name] = 1.0 + 0.1 * torch.randn(shape, generator=gen)
        elif name.endswith(".bias"):
            out[name] = 0.05 * torch.randn(shape, generator=gen)
        elif name.endswith("_token"):
            out[name] = 0.02 * torch.randn(shape, generator=gen)
        else:  # a weight matrix / kernel: xavier-like normal
            fan_out = shape[0]
            fan_in = int(np.prod(shape[1:]))
            out[name] = math.sqrt(2.0 / (fan_in + fan_out)) * torch.randn(shape, generator=gen)
        out[name] = out[name].float().contiguous()
    return out


# ---------------------------------------------------------------------------------------------
# the network, one function per layer

def layer_norm(x, w, b, eps):
    mu = x.mean(dim=-1, keepdim=True)
    var = ((x - mu) ** 2).mean(dim=-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps) * w + b


def gelu_exact(x):
    return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))


def dense(x, P, name):
    return torch.matmul(x, P[name + ".weight"].t()) + P[name + ".bias"]


def attention(x, P, name, heads):
    B, N, D = x.shape
    hd = D // heads
    qkv = dense(x, P, name + ".qkv")
    # rows of the qkv weight: [q; k; v], each split into heads contiguously (spec 2.2)
    q = qkv[:, :, 0 * D:1 * D].reshape(B, N, heads, hd)
    k = qkv[:, :, 1 * D:2 * D].reshape(B, N, heads, hd)
    v = qkv[:, :, 2 * D:3 * D].reshape(B, N, heads, hd)
    scores = torch.einsum("bnhd,bmhd->bhnm", q, k) * (hd ** -0.5)
    probs = torch.softmax(scores, dim=-1)
    out = torch.einsum("bhnm,bmhd->bnhd", probs, v).reshape(B, N, D)
    return dense(out, P, name + ".proj")


def transformer_block(x, P, name, heads, eps):
    h = layer_norm(x, P[name + ".norm1.weight"], P[name + ".norm1.bias"], eps)
    x = x + attention(h, P, name + ".attn", heads)
    h = layer_norm(x, P[name + ".norm2.weight"], P[name + ".norm2.bias"], eps)
    h = dense(gelu_exact(dense(h, P, name + ".mlp.fc1")), P, name + ".mlp.fc2")
    return x + h


def patchify(pixels, s, p):
    """Token (t,h,w) = the (s, p, p) box, flattened as ((tub*p + row)*p + col)*C + c."""
    B, C, T, H, W = pixels.shape
    tokens = []
    for t in range(T // s):
        for h in range(H // p):
            for w in range(W // p):
                box = pixels[:, :, t * s:(t + 1) * s, h * p:(h + 1) * p, w * p:(w + 1) * p]  # B C s p p
                tokens.append(box.permute(0, 2, 3, 4, 1).reshape(B, -1))
    return torch.stack(tokens, dim=1)


def mae_forward(cfg, P, pixels, noise, temporal=None, location=None):
    eps = cfg["norm_eps"]
    s, p = cfg["tubelet_size"], cfg["patch_size"]
    B, C, Tf, Hi, Wi = pixels.shape
    T, H, W = grid_of(cfg, Tf, Hi, Wi)
    L = T * H * W
    D, Dd = cfg["embed_dim"], cfg["decoder_embed_dim"]
    coords = cfg.get("coords_encoding") or []

    # encoder: 3D patch embedding as a strided convolution
    x = torch.nn.functional.conv3d(pixels, P["encoder.patch_embed.proj.weight"], P["encoder.patch_embed.proj.bias"],
                                   stride=(s, p, p))
    x = x.flatten(2).transpose(1, 2)  # B, L, D in (t, h, w) order
    pos = pos_table(D, T, H, W)
    x = x + pos[1:].unsqueeze(0)
    if "time" in coords and temporal is not None:
        per_frame = time_table(D, temporal)  # B, T, D
        frame_of_token = torch.tensor([n // (H * W) for n in range(L)])
        x = x + P["encoder.temporal_embed_enc.scale"] * per_frame[:, frame_of_token, :]
    if "location" in coords and location is not None:
        x = x + P["encoder.location_embed_enc.scale"] * location_table(D, location)

    # masking (spec 1.6)
    len_keep = int(L * (1 - cfg["mask_ratio"]))
    ids_shuffle = torch.argsort(noise, dim=1)
    ids_restore = torch.argsort(ids_shuffle, dim=1)
    keep = ids_shuffle[:, :len_keep]
    x = torch.gather(x, 1, keep.unsqueeze(-1).repeat(1, 1, D))
    mask = torch.ones(B, L)
    mask[:, :len_keep] = 0
    mask = torch.gather(mask, 1, ids_restore)

    cls = (P["encoder.cls_token"] + pos[0]).expand(B, -1, -1)
    x = torch.cat([cls, x], dim=1)
    for i in range(cfg["depth"]):
        x = transformer_block(x, P, "encoder.blocks.%d" % i, cfg["num_heads"], eps)
    latent = layer_norm(x, P["encoder.norm.weight"], P["encoder.norm.bias"], eps)

    # decoder (spec 1.7)
    y = dense(latent, P, "decoder.decoder_embed")
    y_cls, y_vis = y[:, :1], y[:, 1:]
    fill = P["decoder.mask_token"].repeat(B, L - len_keep, 1)
    y_all = torch.cat([y_vis, fill], dim=1)
    y_all = torch.gather(y_all, 1, ids_restore.unsqueeze(-1).repeat(1, 1, Dd))
    dpos = pos_table(Dd, T, H, W)
    y_cls = y_cls + dpos[0]
    y_all = y_all + dpos[1:].unsqueeze(0)
    if "time" in coords and temporal is not None:
        per_frame = time_table(Dd, temporal)
        frame_of_token = torch.tensor([n // (H * W) for n in range(L)])
        y_all = y_all + P["decoder.temporal_embed_dec.scale"] * per_frame[:, frame_of_token, :]
    if "location" in coords and location is not None:
        y_all = y_all + P["decoder.location_embed_dec.scale"] * location_table(Dd, location)
    y = torch.cat([y_cls, y_all], dim=1)
    for i in range(cfg["decoder_depth"]):
        y = transformer_block(y, P, "decoder.decoder_blocks.%d" % i, cfg["decoder_num_heads"], eps)
    y = layer_norm(y, P["decoder.decoder_norm.weight"], P["decoder.decoder_norm.bias"], eps)
    pred = dense(y, P, "decoder.decoder_pred")[:, 1:]

    # loss (spec 1.8)
    target = patchify(pixels, s, p)
    if cfg.get("norm_pix_loss"):
        mean = target.mean(dim=-1, keepdim=True)
        var = target.var(dim=-1, unbiased=True, keepdim=True)
        target = (target - mean) / torch.sqrt(var + 1e-6)
    per_token = ((pred - target) ** 2).mean(dim=-1)
    loss = (per_token * mask).sum() / mask.sum()
    return dict(latent=latent, pred=pred, mask=mask, ids_restore=ids_restore, loss=loss)


# ---------------------------------------------------------------------------------------------
# safetensors by hand

DTYPES = {torch.float32: ("F32", "<f4"), torch.int64: ("I64", "<i8"), torch.float64: ("F64", "<f8")}


def write_safetensors(path, tensors, metadata=None):
    header = {}
    blobs = []
    offset = 0
    for name, t in tensors.items():
        t = t.detach().contiguous()
        code, np_type = DTYPES[t.dtype]
        raw = t.numpy().astype(np_type).tobytes()
        header[name] = {"dtype": code, "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)
    os.replace(tmp, path)


# ---------------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", default="tiny_test", choices=sorted(BUILTIN))
    ap.add_argument("--config-json", help="a config written by PrithviConfig::toJson (overrides --config)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", required=True)
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--frames", type=int, help="input frames (default: num_frames)")
    ap.add_argument("--height", type=int, help="input height (default: img_size)")
    ap.add_argument("--width", type=int, help="input width (default: img_size)")
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--mask-ratio", type=float)
    ap.add_argument("--norm-pix-loss", action="store_true")
    ap.add_argument("--coords", action="store_true", help="feed time/location coordinates")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    cfg = load_config(args)
    gen = torch.Generator().manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)

    frames = args.frames or cfg["num_frames"]
    height = args.height or cfg["img_size"]
    width = args.width or cfg["img_size"]
    T, H, W = grid_of(cfg, frames, height, width)
    L = T * H * W

    weights = make_weights(cfg, gen)
    pixels = torch.randn(args.batch, cfg["in_chans"], frames, height, width, generator=gen)
    noise = torch.rand(args.batch, L, generator=gen)
    inputs = {"pixels": pixels, "noise": noise}
    temporal = location = None
    if args.coords:
        years = torch.randint(2014, 2024, (args.batch, T), generator=gen).float()
        doy = torch.randint(0, 365, (args.batch, T), generator=gen).float()
        temporal = torch.stack([years, doy], dim=-1)
        location = torch.stack([torch.rand(args.batch, generator=gen) * 140 - 60,
                                torch.rand(args.batch, generator=gen) * 360 - 180], dim=-1)
        inputs["temporal_coords"] = temporal
        inputs["location_coords"] = location

    params = {k: v.clone().requires_grad_(not is_buffer(cfg, k)) for k, v in weights.items()}
    out = mae_forward(cfg, params, pixels, noise, temporal, location)
    out["loss"].backward()

    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    write_safetensors(os.path.join(args.out, "weights.safetensors"), weights, {"format": "pt"})
    write_safetensors(os.path.join(args.out, "inputs.safetensors"), inputs)
    write_safetensors(os.path.join(args.out, "expected.safetensors"), {
        "latent": out["latent"], "pred": out["pred"], "mask": out["mask"],
        "ids_restore": out["ids_restore"], "loss": out["loss"].reshape(1)})
    step = {}
    for name, prm in params.items():
        if prm.requires_grad:
            step["grad." + name] = prm.grad
            step["updated." + name] = (prm - args.lr * prm.grad).detach()
    write_safetensors(os.path.join(args.out, "step.safetensors"), step, {"lr": repr(args.lr)})
    print(json.dumps({"loss": out["loss"].item(), "tokens": L, "kept": int(L * (1 - cfg["mask_ratio"])),
                      "parameters": sum(p.numel() for p in params.values() if p.requires_grad)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
