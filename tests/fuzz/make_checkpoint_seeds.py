#!/usr/bin/env python3
"""Seed files for fuzz_safetensors and fuzz_torch_pt, written without PyTorch.

  make_checkpoint_seeds.py SAFETENSORS_DIR PT_DIR

safetensors: 8-byte little-endian header length, JSON header, data (the layout the safetensors
library writes). .pt: the zip that torch.save writes (archive/data.pkl, archive/data/<key>,
archive/version, archive/byteorder; stored records), with data.pkl made by Python's own pickle
from stand-ins registered as the torch modules, so the opcodes are the ones torch.save emits
(protocol 2 by default) plus a protocol 4 variant (FRAME, MEMOIZE, STACK_GLOBAL).
"""

import collections
import io
import json
import os
import pickle
import struct
import sys
import types
import zipfile

# ----------------------------------------------------------------------------------------------
# safetensors

DTYPES = {"F64": ("d", 8), "F32": ("f", 4), "F16": ("e", 2), "BF16": (None, 2), "I64": ("q", 8),
          "I32": ("i", 4), "I16": ("h", 2), "I8": ("b", 1), "U8": ("B", 1), "BOOL": ("?", 1)}


def tensor_bytes(dtype, shape, start=1):
    fmt, size = DTYPES[dtype]
    n = 1
    for d in shape:
        n *= d
    values = [(start + i) % 2 if dtype == "BOOL" else start + i for i in range(n)]
    if fmt is None:  # bfloat16: the high half of a float32
        return b"".join(struct.pack("<f", float(v))[2:] for v in values)
    return b"".join(struct.pack("<" + fmt, v) for v in values)


def safetensors(tensors, metadata=None, pad=True):
    header, data = {}, b""
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, dtype, shape in tensors:
        blob = tensor_bytes(dtype, shape)
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(blob)]}
        data += blob
    text = json.dumps(header, separators=(",", ":")).encode()
    if pad:
        text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


def write_safetensors(folder):
    os.makedirs(folder, exist_ok=True)
    files = {
        "one_f32.safetensors": safetensors([("weight", "F32", [2, 3])], {"format": "pt"}),
        "every_dtype.safetensors": safetensors(
            [("t_" + d.lower(), d, [2, 2]) for d in DTYPES] + [("scalar", "F32", []), ("empty", "F32", [0, 4])]),
        "model_keys.safetensors": safetensors(
            [("encoder.cls_token", "F32", [1, 1, 4]), ("encoder.pos_embed", "F32", [1, 2, 4]),
             ("encoder.patch_embed.proj.weight", "F16", [4, 1, 1, 1, 1]), ("encoder.norm.bias", "BF16", [4])],
            {"prithvi.config": json.dumps({"name": "tiny", "embed_dim": 4}), "epoch": "3"}),
        "unpadded_no_metadata.safetensors": safetensors([("a", "I64", [1]), ("b", "U8", [3])], pad=False),
    }
    for name, blob in files.items():
        with open(os.path.join(folder, name), "wb") as out:
            out.write(blob)


# ----------------------------------------------------------------------------------------------
# torch.save archives

def install_fake_torch():
    """Modules named like torch's, so that pickle writes torch's global names."""
    torch = types.ModuleType("torch")
    utils = types.ModuleType("torch._utils")
    torch._utils = utils

    def _rebuild_tensor_v2(*args):
        raise RuntimeError("stand-in")

    def _rebuild_parameter(*args):
        raise RuntimeError("stand-in")

    for f in (_rebuild_tensor_v2, _rebuild_parameter):
        f.__module__ = "torch._utils"
        f.__qualname__ = f.__name__
        setattr(utils, f.__name__, f)
    storages = {}
    for name in ("FloatStorage", "DoubleStorage", "HalfStorage", "BFloat16Storage", "LongStorage",
                 "IntStorage", "ShortStorage", "CharStorage", "ByteStorage", "BoolStorage"):
        cls = type(name, (), {"__module__": "torch", "__qualname__": name})
        setattr(torch, name, cls)
        storages[name] = cls

    sys.modules["torch"] = torch
    sys.modules["torch._utils"] = utils
    return utils, storages


UTILS, STORAGES = install_fake_torch()
ELEMENT = {"FloatStorage": ("<f", 4), "DoubleStorage": ("<d", 8), "HalfStorage": ("<e", 2),
           "BFloat16Storage": (None, 2), "LongStorage": ("<q", 8), "IntStorage": ("<i", 4),
           "ShortStorage": ("<h", 2), "CharStorage": ("<b", 1), "ByteStorage": ("<B", 1),
           "BoolStorage": ("<?", 1)}


class Storage:
    def __init__(self, kind, key, numel):
        self.kind, self.key, self.numel = kind, key, numel
        fmt, size = ELEMENT[kind]
        if kind == "BoolStorage":
            self.data = bytes(i % 2 for i in range(numel))
        elif fmt is None:
            self.data = b"".join(struct.pack("<f", float(i))[2:] for i in range(numel))
        else:
            self.data = b"".join(struct.pack(fmt, i) for i in range(numel))


class Tensor:
    def __init__(self, storage, offset, size, stride, parameter=False):
        self.storage, self.offset, self.size, self.stride = storage, offset, size, stride
        self.parameter = parameter

    def __reduce_ex__(self, protocol):
        rebuilt = (UTILS._rebuild_tensor_v2,
                   (self.storage, self.offset, tuple(self.size), tuple(self.stride), False, collections.OrderedDict()))
        if not self.parameter:
            return rebuilt
        return (UTILS._rebuild_parameter, (Tensor(self.storage, self.offset, self.size, self.stride), True,
                                           collections.OrderedDict()))


class Pickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", STORAGES[obj.kind], obj.key, "cpu", obj.numel)
        return None


def contiguous(storage, shape, offset=0):
    stride, step = [], 1
    for d in reversed(shape):
        stride.insert(0, step)
        step *= d
    return Tensor(storage, offset, shape, stride)


def torch_save(obj, storages, protocol=2, prefix="archive"):
    buffer = io.BytesIO()
    Pickler(buffer, protocol=protocol).dump(obj)
    out = io.BytesIO()
    def record(name, data):  # fixed timestamps: the same bytes on every run
        z.writestr(zipfile.ZipInfo(prefix + "/" + name, date_time=(1980, 1, 1, 0, 0, 0)), data)

    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as z:
        record("data.pkl", buffer.getvalue())
        record("byteorder", "little")
        for s in storages:
            record("data/" + s.key, s.data)
        record("version", "3\n")
    return out.getvalue()


def write_pt(folder):
    os.makedirs(folder, exist_ok=True)
    files = {}

    # A plain state dict: OrderedDict with _metadata (BUILD), as model.state_dict() pickles.
    w = Storage("FloatStorage", "0", 6)
    b = Storage("FloatStorage", "1", 2)
    state = collections.OrderedDict([("linear.weight", contiguous(w, [2, 3])), ("linear.bias", contiguous(b, [2]))])
    state._metadata = collections.OrderedDict([("", {"version": 1}), ("linear", {"version": 1})])
    files["state_dict.pt"] = torch_save(state, [w, b])

    # A training checkpoint: nested dicts, shared storage with views (offset, strides), a
    # Parameter, every storage type, 0-d and empty tensors, and plain values of every kind
    # (bytes go through _codecs.encode in protocol 2).
    shared = Storage("FloatStorage", "0", 12)
    kinds = [Storage(kind, str(i + 1), 4) for i, kind in enumerate(sorted(ELEMENT))]
    model = collections.OrderedDict()
    model["encoder.pos_embed"] = contiguous(shared, [1, 3, 4])
    model["encoder.row"] = Tensor(shared, 4, [4], [1])
    model["encoder.transposed"] = Tensor(shared, 0, [4, 3], [1, 4])
    model["encoder.scalar"] = Tensor(shared, 5, [], [])
    model["encoder.empty"] = Tensor(shared, 0, [0, 2], [2, 1])
    model["head.weight"] = Tensor(shared, 0, [2, 2], [2, 1], parameter=True)
    for s in kinds:
        model["dtype." + s.kind] = contiguous(s, [2, 2])
    checkpoint = {"model": model, "epoch": 7, "step": 1 << 40, "lr": 1.5e-4, "best": None, "done": True,
                  "tag": b"\x00\xffprithvi", "name": "caf\u00e9", "sizes": [224, 224], "pair": (1, -2),
                  "seen": {3, 4}, "optimizer": {"state": {}, "param_groups": [{"lr": 0.001, "params": [0, 1]}]}}
    files["checkpoint_nested.pt"] = torch_save(checkpoint, [shared] + kinds)

    # Protocol 4: FRAME, SHORT_BINUNICODE, MEMOIZE, STACK_GLOBAL; another record prefix.
    s4 = Storage("DoubleStorage", "0", 3)
    files["protocol4.pt"] = torch_save({"backbone": {"x": contiguous(s4, [3])}, "meta": {"k": "v"}}, [s4],
                                       protocol=4, prefix="model_v2")

    # Regression: one dict shared (through the memo) by both keys of the next, 32 levels deep:
    # 2^31 paths to the tensor, which the reader used to walk (hang, then out of memory).
    leaf = Storage("FloatStorage", "0", 1)
    shared_dicts = {"w": contiguous(leaf, [1])}
    for _ in range(31):
        shared_dicts = {"a": shared_dicts, "b": shared_dicts}
    files["regression-shared-dicts.pt"] = torch_save(shared_dicts, [leaf])

    # A legacy (pre-1.6) file starts with a pickle: refused by name.
    files["legacy.pt"] = pickle.dumps({"weight": [1.0, 2.0]}, protocol=2)

    for name, blob in files.items():
        with open(os.path.join(folder, name), "wb") as out:
            out.write(blob)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    write_safetensors(sys.argv[1])
    write_pt(sys.argv[2])
