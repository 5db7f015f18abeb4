"""Writes the safetensors test fixtures for dev.rlhf4j.core.checkpoint.

Every expected value comes from the reference implementations (torch, numpy, the Rust-backed
`safetensors` package, transformers), never from rlhf4j itself.

    /opt/pyref/bin/python tools/make_safetensors_fixtures.py

Output (all small, committed) under core/src/test/resources/fixtures/safetensors/:

  dtypes.safetensors          F32, F16, BF16, a scalar, an empty tensor and an I64 tensor,
                              two metadata keys; written by safetensors.torch.save_file (which
                              orders metadata keys by a Rust HashMap: they may swap between runs)
  gpt2-sharded/               a tiny random GPT-2 saved by transformers' save_pretrained with a
                              small max_shard_size: model-0000k-of-0000N.safetensors + index
  writer/basic.safetensors    save_file output for the tensors in writer.json (F32/F16/BF16)
  writer/escapes.safetensors  save_file output for names and metadata that need JSON escapes
  writer/sharded/             shards + index laid out exactly as transformers' save_pretrained
                              does (split_torch_state_dict_into_shards, save_file, index written
                              with json.dumps(indent=2, sort_keys=True)), for the tensors in
                              writer.json
  expected.json               tensor names (file order), dtypes, shapes and values as float32
  writer.json                 the writer inputs (F32 values, target dtypes, metadata)
  conversions.json            F16/BF16 <-> F32 conversions by torch: SHA-256 digests over
                              large deterministic input sets plus readable special cases
"""

import hashlib
import json
import os
import platform
import shutil
import struct
import sys

import numpy as np
import torch
import safetensors
import transformers
from safetensors.torch import load_file, save_file
from huggingface_hub import split_torch_state_dict_into_shards

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "core", "src", "test", "resources", "fixtures", "safetensors")

DTYPE_NAMES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64"}
TORCH_DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}


def as_float_list(t):
    """Values as float32 converted to Python floats: exact, since every float32 is a double."""
    return [float(v) for v in t.detach().to(torch.float32).reshape(-1).tolist()]


def describe(tensors_in_file_order):
    out = []
    for name, t in tensors_in_file_order:
        entry = {"name": name, "dtype": DTYPE_NAMES[t.dtype], "shape": list(t.shape)}
        if t.dtype == torch.int64:
            entry["ints"] = t.reshape(-1).tolist()
        else:
            entry["values"] = as_float_list(t)
        out.append(entry)
    return out


def file_order(path):
    """Tensor names in the order of their data offsets, read from the header itself."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
    header.pop("__metadata__", None)
    return sorted(header, key=lambda k: header[k]["data_offsets"][0])


def reference_order(tensors):
    """The order safetensors' Rust `prepare` writes: dtype alignment descending, then name."""
    rank = {"BOOL": 0, "U8": 4, "I8": 5, "I16": 11, "U16": 12, "F16": 13, "BF16": 14, "I32": 15,
            "U32": 16, "F32": 17, "F64": 19, "I64": 20, "U64": 21}
    return sorted(tensors, key=lambda kv: (-rank[DTYPE_NAMES[kv[1].dtype]], kv[0]))


# ---------------------------------------------------------------------------------------------
# 1. a file with every float dtype, plus the cases a reader must not trip over

def make_dtypes(expected):
    g = torch.Generator().manual_seed(1)
    tensors = {
        "f32": torch.randn(2, 3, generator=g),
        "f16": (torch.randn(4, generator=g) * 100).to(torch.float16),
        "bf16": (torch.randn(2, 2, generator=g) * 1e-3).to(torch.bfloat16),
        "scalar": torch.tensor(3.25, dtype=torch.float32),
        "empty": torch.zeros(0, 3, dtype=torch.float32),
        "i64": torch.tensor([1, -2, 3_000_000_000], dtype=torch.int64),
        "specials": torch.tensor([0.0, -0.0, float("inf"), -float("inf"), 65504.0, 6.1035156e-05,
                                  5.9604645e-08], dtype=torch.float16),
    }
    path = os.path.join(OUT, "dtypes.safetensors")
    save_file(tensors, path, metadata={"format": "pt", "source": "make_safetensors_fixtures.py"})
    back = load_file(path)
    order = file_order(path)
    expected["dtypes.safetensors"] = {
        "metadata": {"format": "pt", "source": "make_safetensors_fixtures.py"},
        "tensors": describe([(k, back[k]) for k in order]),
    }


# ---------------------------------------------------------------------------------------------
# 2. a sharded checkpoint written by transformers itself

def make_gpt2_sharded(expected):
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(2)
    config = GPT2Config(vocab_size=16, n_positions=8, n_embd=4, n_layer=2, n_head=2, bos_token_id=0, eos_token_id=0)
    model = GPT2LMHeadModel(config).eval()
    d = os.path.join(OUT, "gpt2-sharded")
    shutil.rmtree(d, ignore_errors=True)
    model.save_pretrained(d, safe_serialization=True, max_shard_size=600)
    with open(os.path.join(d, "model.safetensors.index.json")) as f:
        index = json.load(f)
    shards = sorted(set(index["weight_map"].values()))
    assert len(shards) > 2, shards
    tensors = []
    for shard in shards:
        loaded = load_file(os.path.join(d, shard))
        tensors += [(k, loaded[k]) for k in file_order(os.path.join(d, shard))]
    expected["gpt2-sharded"] = {"shards": shards, "tensors": describe(tensors)}


# ---------------------------------------------------------------------------------------------
# 3. what our writer must reproduce byte for byte

def writer_cases():
    g = torch.Generator().manual_seed(3)
    basic = [
        ("a.weight", "F32", torch.randn(3, 2, generator=g)),
        ("b.bias", "F32", torch.randn(5, generator=g)),
        ("c.scalar", "F32", torch.tensor(-1.5)),
        ("d.brain", "BF16", torch.randn(3, 3, generator=g)),
        ("e.brain_ties", "BF16", torch.tensor([1 + 2**-8, 1 + 3 * 2**-8, 3.4028234663852886e38])),
        ("f.empty", "BF16", torch.zeros(2, 0)),
        ("g.half", "F16", torch.randn(2, 3, generator=g) * 10),
        ("h.half_ties", "F16", torch.tensor([1 + 2**-11, 1 + 3 * 2**-11, 65520.0, 2**-25, 3 * 2**-25])),
    ]
    escapes = [
        ("emb.\u00fc\u00df\u4e2d", "F32", torch.tensor([1.0, 2.0])),
        ("quote\"back\\slash/tab\tnl\n", "F32", torch.tensor([3.0])),
        ("\U0001F600.ctl\u0001\u007f", "F32", torch.tensor([4.0])),
    ]
    sharded = [(f"layers.{i}.weight", "F32", torch.randn(4, 4, generator=g)) for i in range(5)]
    sharded.insert(2, ("layers.1.z_big", "F32", torch.randn(40, generator=g)))
    return {
        "basic": (basic, {"format": "pt"}),
        "escapes": (escapes, {"format": "pt \"quoted\"\n\u00e9\U0001F600\u0002"}),
        "sharded": (sharded, {"format": "pt"}),
    }


def make_writer(writer_json):
    wdir = os.path.join(OUT, "writer")
    shutil.rmtree(wdir, ignore_errors=True)
    os.makedirs(wdir)
    for case, (tensors, metadata) in writer_cases().items():
        converted = {name: t.to(torch.float32).to(TORCH_DTYPES[dt]).contiguous() for name, dt, t in tensors}
        writer_json[case] = {
            "metadata": metadata,
            "tensors": [{"name": name, "dtype": dt, "shape": list(t.shape), "values": as_float_list(t.to(torch.float32))}
                        for name, dt, t in tensors],
        }
        if case == "sharded":
            max_shard = 3 * 64 + 32
            writer_json[case]["max_shard_bytes"] = max_shard
            save_like_transformers(converted, os.path.join(wdir, "sharded"), max_shard, metadata)
        else:
            # the Rust side sorts by (dtype alignment desc, name); our writer keeps the given order,
            # so the inputs above are already listed in that order (checked here)
            assert [k for k, _ in reference_order(list(converted.items()))] == [n for n, _, _ in tensors], case
            path = os.path.join(wdir, case + ".safetensors")
            save_file(converted, path, metadata=metadata)
            back = load_file(path)
            for name in converted:
                assert torch.equal(back[name], converted[name]), name


def save_like_transformers(state_dict, directory, max_shard_size, metadata):
    """transformers' PreTrainedModel.save_pretrained, minus the model: same split, names, index."""
    os.makedirs(directory)
    split = split_torch_state_dict_into_shards(state_dict, filename_pattern="model{suffix}.safetensors",
                                               max_shard_size=max_shard_size)
    assert split.is_sharded
    for filename, names in split.filename_to_tensors.items():
        shard = {k: state_dict[k] for k in names}
        assert [k for k, _ in reference_order(list(shard.items()))] == names, filename
        save_file(shard, os.path.join(directory, filename), metadata=metadata)
    index = {"metadata": dict(split.metadata), "weight_map": split.tensor_to_filename}
    with open(os.path.join(directory, "model.safetensors.index.json"), "w", encoding="utf-8") as f:
        f.write(json.dumps(index, indent=2, sort_keys=True) + "\n")


# ---------------------------------------------------------------------------------------------
# 4. F16 / BF16 conversions

LOW_PATTERNS = [0x0000, 0x0001, 0x0FFF, 0x1000, 0x1001, 0x1FFF, 0x2000, 0x2FFF, 0x3000, 0x3001,
                0x7FFF, 0x8000, 0x8001, 0xEFFF, 0xF000, 0xF001, 0xFFFF]
WEYL_STEP = 0x9E3779B9
WEYL_COUNT = 1 << 20


def conversion_inputs():
    """F32 bit patterns, NaNs removed (NaN payloads differ between torch's code paths).
    Set A: every upper half-word with each low half-word in LOW_PATTERNS, row by row; this hits
    every rounding case (below, at, above the halfway point; odd and even) at every exponent.
    Set B: a Weyl sequence i * 0x9E3779B9 mod 2^32, i = 0 .. 2^20 - 1."""
    hi = np.arange(1 << 16, dtype=np.uint64)
    a = ((hi[:, None] << np.uint64(16)) | np.array(LOW_PATTERNS, dtype=np.uint64)[None, :]).reshape(-1)
    b = (np.arange(WEYL_COUNT, dtype=np.uint64) * np.uint64(WEYL_STEP)) & np.uint64(0xFFFFFFFF)
    bits = np.concatenate([a, b]).astype(np.uint32)
    is_nan = ((bits & 0x7F800000) == 0x7F800000) & ((bits & 0x007FFFFF) != 0)
    return bits[~is_nan]


def sha256(array, dtype):
    return hashlib.sha256(np.ascontiguousarray(array).astype(dtype).tobytes()).hexdigest()


def make_conversions(out):
    bits = conversion_inputs()
    f32 = torch.from_numpy(bits.view(np.float32).copy())
    f16 = f32.to(torch.float16).view(torch.int16).numpy().view(np.uint16)
    bf16 = f32.to(torch.bfloat16).view(torch.int16).numpy().view(np.uint16)
    # numpy's own float16 cast is an independent reference: the two must agree
    with np.errstate(over="ignore"):
        assert np.array_equal(f16, bits.view(np.float32).astype(np.float16).view(np.uint16))

    all16 = np.arange(1 << 16, dtype=np.uint32).astype(np.uint16)
    exp_all_ones = (all16 & 0x7C00) == 0x7C00
    f16_nan = exp_all_ones & ((all16 & 0x03FF) != 0)
    bf16_nan = ((all16 & 0x7F80) == 0x7F80) & ((all16 & 0x007F) != 0)
    h = all16[~f16_nan]
    f16_to_f32 = torch.from_numpy(h.view(np.int16).copy()).view(torch.float16).to(torch.float32).numpy().view(np.uint32)
    assert np.array_equal(f16_to_f32, h.view(np.float16).astype(np.float32).view(np.uint32))
    b = all16[~bf16_nan]
    bf16_to_f32 = torch.from_numpy(b.view(np.int16).copy()).view(torch.bfloat16).to(torch.float32).numpy().view(np.uint32)

    specials = [0.0, -0.0, 1.0, -2.5, 65504.0, 65519.996, 65520.0, 1e9, -1e9, 2.0**-14, 2.0**-24,
                2.0**-25, 2.0**-25 * 1.0000001, 3 * 2.0**-25, 1.401298464324817e-45, 1 + 2.0**-11,
                1 + 3 * 2.0**-11, 1 + 2.0**-8, 1 + 3 * 2.0**-8, 3.4028234663852886e38, float("inf"),
                -float("inf"), 0.1, -0.3, 1234.5678]
    special_bits = np.array(specials, dtype=np.float32).view(np.uint32)
    sf = torch.from_numpy(special_bits.view(np.float32).copy())
    out.update({
        "f32_to_f16_and_bf16": {
            "low_patterns": LOW_PATTERNS,
            "weyl_step": WEYL_STEP,
            "weyl_count": WEYL_COUNT,
            "input_count": int(bits.size),
            "f16_sha256": sha256(f16, "<u2"),
            "bf16_sha256": sha256(bf16, "<u2"),
        },
        "f16_to_f32": {"input_count": int(h.size), "sha256": sha256(f16_to_f32, "<u4")},
        "bf16_to_f32": {"input_count": int(b.size), "sha256": sha256(bf16_to_f32, "<u4")},
        "specials": [
            {"f32_bits": int(x), "f16_bits": int(y), "bf16_bits": int(z)}
            for x, y, z in zip(special_bits,
                               sf.to(torch.float16).view(torch.int16).numpy().view(np.uint16),
                               sf.to(torch.bfloat16).view(torch.int16).numpy().view(np.uint16))
        ],
    })


def write_json(name, obj):
    with open(os.path.join(OUT, name), "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=1, ensure_ascii=True)
        f.write("\n")


def main():
    os.makedirs(OUT, exist_ok=True)
    expected = {"generated_by": {"script": "tools/make_safetensors_fixtures.py", "python": platform.python_version(),
                                 "torch": torch.__version__, "transformers": transformers.__version__,
                                 "safetensors": safetensors.__version__}}
    make_dtypes(expected)
    make_gpt2_sharded(expected)
    write_json("expected.json", expected)
    writer_json = {}
    make_writer(writer_json)
    write_json("writer.json", writer_json)
    conversions = {}
    make_conversions(conversions)
    write_json("conversions.json", conversions)
    print("fixtures written to", OUT, file=sys.stderr)


if __name__ == "__main__":
    main()
