#!/usr/bin/env python3
"""Writes the Hugging Face parity fixtures for rlhf4j.

Tiny, randomly initialised GPT-2, Llama (grouped-query attention), Qwen2 (qkv bias, tied head)
models and two reward models are built with transformers itself, saved with its own
``save_pretrained`` (safetensors), together with a small byte-level BPE tokenizer trained here,
and the values transformers computes for them are recorded in ``expected.json`` next to each
model. The Java tests load the directories and must reproduce those values.

Run from the repository root (see tools/README.md):

    /opt/pyref/bin/python tools/make_parity_fixtures.py

Everything is seeded and computed on one CPU thread: re-running writes identical files.
"""

import argparse
import json
import math
import os
import platform
import shutil
import sys
from pathlib import Path

import safetensors
import tokenizers
import torch
import transformers
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import (
    AutoModelForCausalLM,
    AutoModelForSequenceClassification,
    AutoTokenizer,
    GPT2Config,
    GPT2ForSequenceClassification,
    GPT2LMHeadModel,
    LlamaConfig,
    LlamaForCausalLM,
    LlamaForSequenceClassification,
    PreTrainedTokenizerFast,
    Qwen2Config,
    Qwen2ForCausalLM,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))
import check_hf_load  # noqa: E402  (the same checks the Java side runs by hand)

FORMAT = "rlhf4j-parity-fixture/1"
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "core/src/test/resources/fixtures/parity"
SEED = 20240601
FLOAT_DECIMALS = 6  # logits and hidden states are rounded to 1e-6 (abs. error <= 5e-7)
MAX_NEW_TOKENS = 8

# Initialisation: far from HF's std 0.02 so that tiny models are not near-uniform.
WEIGHT_STD = 0.2  # every matrix and embedding
BIAS_STD = 0.2  # every bias (GPT-2 biases, Qwen2 qkv biases, LayerNorm biases)
NORM_GAIN_STD = 0.2  # norm weights are 1 + N(0, 0.2)

# --------------------------------------------------------------------------------------------
# Text
# --------------------------------------------------------------------------------------------

CORPUS = """\
The old mill stood at the bend of the river, where the water ran fast over the stones. Every
morning the miller opened the gates, and the great wheel began to turn. Farmers came from the
valley with their carts full of grain, and they waited in the shade while the stones ground the
wheat into flour. The children liked to watch the wheel, and the miller let them throw small
sticks into the stream to see how quickly the current carried them away.

In the spring the river rose with the melting snow from the hills. The water climbed the banks,
covered the low meadow and sometimes reached the door of the mill. The miller kept sacks of sand
by the wall and a small boat tied to the fence. When the flood came he moved the flour to the
upper floor and waited for the water to fall. After a few days the river went back to its bed,
and the meadow was green again, greener than before.

A baker in the town bought most of the flour. She rose before dawn, lit the oven and mixed the
dough on a long wooden table. By the time the sun was up, the smell of fresh bread filled the
street. People stopped at her window on their way to work. She knew most of them by name, and she
often put an extra roll in the bag for a child or for someone who looked tired.

On market days the square was crowded with stalls. There were apples and pears, cheese and eggs,
honey in glass jars, baskets, tools and warm woollen socks. Traders called out their prices, dogs
ran between the tables, and an old man played the fiddle near the fountain. In the evening the
stalls were packed away, the square was swept, and the lamps were lit one by one.

Questions are good. Why does the wheel turn? Because the water pushes the paddles, and the paddles
turn the shaft, and the shaft turns the stones. How much flour can one mill make in a day? That
depends on the river, the stones and the patience of the miller. What is the best bread? Ask ten
people and you will hear ten answers, but most of them will mention the baker by the square.
"""

# Sentences the batches are cut from (tokenised, then truncated to the wanted lengths).
BATCH_SENTENCES = [
    "The miller opened the gates and the wheel began to turn slowly in the morning light.",
    "Farmers waited in the shade with their carts full of grain and apples.",
    "She lit the oven before dawn.",
    "Why does the river rise in the spring when the snow melts on the hills?",
    "Children threw sticks into the stream.",
    "The baker knew most of the people by name.",
    "On market days the square was crowded with stalls and traders calling out prices.",
    "An old man played the fiddle near the fountain while dogs ran between the tables.",
]

PERPLEXITY_TEXTS = [
    "The wheel turns because the water pushes the paddles.",
    "In the evening the lamps were lit one by one, and the square was quiet.",
    "Zebras juggle quantum marmalade.",
]

# Strings the tokenizer checks encode (byte-level edge cases included).
ENCODING_TEXTS = [
    "The miller and the baker.",
    "  leading spaces, trailing space ",
    "line one\nline two\ttab",
    "caf\u00e9 na\u00efve \u2014 \U0001F600 \u65e5\u672c",
    "special tokens in text: <|endoftext|> <s> </s> <pad> <|im_start|>",
    "",
]

SFT_EXAMPLES = [
    ("Q: Why does the wheel turn?\nA:", " The water pushes it."),
    ("Q: Who bought the flour?\nA:", " The baker."),
    ("Q: What is sold?\nA:", " Apples and honey."),
]

GENERATION_PROMPTS = [
    "The miller opened the",
    "She lit",
    "On market days the",
]

RM_TEXTS = [
    ("How does the mill work?", "The river turns the wheel."),
    ("Who is the baker?", "A woman."),
    ("What is sold?", "Honey, apples and socks."),
]

CHAT_MESSAGES = [
    {"role": "system", "content": "You answer briefly."},
    {"role": "user", "content": "Why does the wheel turn?"},
    {"role": "assistant", "content": "The water pushes it."},
    {"role": "user", "content": "And in winter?"},
    {"role": "assistant", "content": "The river may freeze."},
]

# --------------------------------------------------------------------------------------------
# Tokenizer
# --------------------------------------------------------------------------------------------

SPECIAL_TOKENS = ["<|endoftext|>", "<s>", "</s>", "<pad>", "<|im_start|>", "<|im_end|>"]
VOCAB_SIZE = 384

# Llama style: the template adds bos itself, so apply_chat_template (which tokenizes without
# special tokens) gives exactly one <s>. Stored in tokenizer_config.json ("chat_template").
LLAMA_CHAT_TEMPLATE = (
    "{{ bos_token }}"
    "{% for message in messages %}"
    "{% if message['role'] == 'assistant' %}"
    "{{ 'Assistant: ' + message['content'] + eos_token + '\\n' }}"
    "{% else %}"
    "{{ message['role'] | capitalize + ': ' + message['content'] + '\\n' }}"
    "{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}"
)

# Qwen2 style (ChatML). Stored in chat_template.jinja, the layout transformers 5 writes.
QWEN2_CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


def train_bpe():
    """One byte-level BPE model; the three families below share its vocabulary."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE,
        min_frequency=2,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator([p for p in CORPUS.split("\n\n")], trainer=trainer)
    assert tok.get_vocab_size() == VOCAB_SIZE, tok.get_vocab_size()
    return tok


def make_tokenizer(family):
    """family: gpt2 (no bos added, eos <|endoftext|>), llama (<s> added), qwen2 (ChatML eos)."""
    tok = train_bpe()
    if family == "gpt2":
        tok.post_processor = processors.ByteLevel(trim_offsets=False)
        return PreTrainedTokenizerFast(
            tokenizer_object=tok,
            bos_token="<|endoftext|>",
            eos_token="<|endoftext|>",
            unk_token="<|endoftext|>",
            pad_token="<pad>",
        )
    if family == "llama":
        return PreTrainedTokenizerFast(
            tokenizer_object=tok,
            bos_token="<s>",
            eos_token="</s>",
            pad_token="<pad>",
            add_bos_token=True,
            add_eos_token=False,
            chat_template=LLAMA_CHAT_TEMPLATE,
        )
    if family == "qwen2":
        tok.post_processor = processors.ByteLevel(trim_offsets=False)
        return PreTrainedTokenizerFast(
            tokenizer_object=tok,
            eos_token="<|im_end|>",
            pad_token="<pad>",
            additional_special_tokens=["<|im_start|>", "<|endoftext|>"],
            chat_template=QWEN2_CHAT_TEMPLATE,
        )
    raise ValueError(family)


def save_tokenizer(tokenizer, family, out_dir):
    # Llama keeps the template inside tokenizer_config.json (the layout of most hub models);
    # Qwen2 gets transformers 5's default, a separate chat_template.jinja.
    tokenizer.save_pretrained(out_dir, save_jinja_files=(family != "llama"))


# --------------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------------

COMMON = dict(vocab_size=VOCAB_SIZE, num_hidden_layers=2, num_attention_heads=4,
              max_position_embeddings=64)


def gpt2_config(tok, **extra):
    return GPT2Config(
        vocab_size=VOCAB_SIZE, n_positions=64, n_embd=32, n_layer=2, n_head=4, n_inner=None,
        activation_function="gelu_new", layer_norm_epsilon=1e-5, tie_word_embeddings=True,
        bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id, **extra)


def llama_config(tok, **extra):
    return LlamaConfig(
        **COMMON, hidden_size=32, intermediate_size=96, num_key_value_heads=2,
        rope_parameters={"rope_type": "default", "rope_theta": 10000.0}, rms_norm_eps=1e-6,
        hidden_act="silu", tie_word_embeddings=False, attention_bias=False, mlp_bias=False,
        bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id, **extra)


def qwen2_config(tok, **extra):
    return Qwen2Config(
        **COMMON, hidden_size=32, intermediate_size=96, num_key_value_heads=2,
        rope_parameters={"rope_type": "default", "rope_theta": 1000000.0}, rms_norm_eps=1e-5,
        hidden_act="silu", tie_word_embeddings=True, use_sliding_window=False,
        bos_token_id=None, eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id,
        **extra)


def randomize(model, seed):
    """Seeded non-trivial init: matrices N(0, 0.2), biases N(0, 0.2), norm gains 1 + N(0, 0.2)."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():  # tied parameters are listed once
            noise = torch.randn(p.shape, generator=gen, dtype=torch.float32)
            if name.endswith("bias"):
                p.copy_(noise * BIAS_STD)
            elif p.ndim == 1:  # LayerNorm / RMSNorm gains
                p.copy_(1.0 + noise * NORM_GAIN_STD)
            else:
                p.copy_(noise * WEIGHT_STD)
    return model.eval()


def save_model(model, tokenizer, family, out_dir):
    if out_dir.exists():
        shutil.rmtree(out_dir)
    model.save_pretrained(out_dir, safe_serialization=True)
    save_tokenizer(tokenizer, family, out_dir)


def load(out_dir, causal, dtype=torch.float32):
    cls = AutoModelForCausalLM if causal else AutoModelForSequenceClassification
    model = cls.from_pretrained(out_dir, dtype=dtype, attn_implementation="eager")
    return model.eval()


# --------------------------------------------------------------------------------------------
# Recording helpers
# --------------------------------------------------------------------------------------------

def tensor_json(t):
    t = t.detach().to(torch.float32).contiguous()
    data = [round(x, FLOAT_DECIMALS) for x in t.reshape(-1).tolist()]
    assert all(math.isfinite(x) for x in data)
    return {"shape": list(t.shape), "data": data}


def scalar(t):
    """A float32 scalar as the shortest Python float equal to it."""
    return float(t.detach().to(torch.float32).item())


def pad_batch(seqs, pad_id, side):
    width = max(len(s) for s in seqs)
    ids, mask = [], []
    for s in seqs:
        fill = [pad_id] * (width - len(s))
        ones, zeros = [1] * len(s), [0] * (width - len(s))
        ids.append(s + fill if side == "right" else fill + s)
        mask.append(ones + zeros if side == "right" else zeros + ones)
    return torch.tensor(ids), torch.tensor(mask)


def positions_from_mask(mask):
    """transformers' GenerationMixin._prepare_position_ids_for_generation (this version)."""
    pos = mask.long().cumsum(-1) - 1
    return pos.masked_fill(mask == 0, 0)


def default_positions(mask):
    batch, width = mask.shape
    return torch.arange(width).unsqueeze(0).expand(batch, width)


def lm_labels(ids, mask):
    return ids.masked_fill(mask == 0, -100)


def count_scored(labels):
    return int((labels[:, 1:] != -100).sum())


# --------------------------------------------------------------------------------------------
# Expected values
# --------------------------------------------------------------------------------------------

def causal_batches(tok):
    enc = [tok(s)["input_ids"] for s in BATCH_SENTENCES]
    pad = tok.pad_token_id
    plans = [
        ("unpadded", "none", [(0, 6), (1, 6)]),
        ("right_padded", "right", [(2, 5), (3, 9), (4, 3)]),
        ("left_padded", "left", [(5, 9), (6, 4), (7, 7)]),
    ]
    batches = []
    for name, side, rows in plans:
        seqs = [enc[i][:n] for i, n in rows]
        assert all(len(s) == n for s, (_, n) in zip(seqs, rows)), name
        ids, mask = pad_batch(seqs, pad, "right" if side == "none" else side)
        batches.append((name, side, ids, mask))
    return batches


def forward_record(model, ids, mask, positions, kind, with_loss):
    labels = lm_labels(ids, mask)
    with torch.no_grad():
        out = model(input_ids=ids, attention_mask=mask, position_ids=positions,
                    labels=labels if with_loss else None, output_hidden_states=True)
        base = model.base_model(input_ids=ids, attention_mask=mask, position_ids=positions)
    last = out.hidden_states[-1]
    assert torch.equal(last, base.last_hidden_state), "hidden_states[-1] is not the final norm"
    rec = {
        "positions": kind,
        "position_ids": positions.tolist(),
        "logits": tensor_json(out.logits),
        "last_hidden_state": tensor_json(last),
    }
    if with_loss:
        rec["loss"] = scalar(out.loss)
        rec["loss_tokens"] = count_scored(labels)
    return rec


def sdpa_agrees(out_dir, ids, mask, positions, expected_logits):
    """Sanity check: the default (sdpa) attention gives the eager values on real tokens."""
    model = AutoModelForCausalLM.from_pretrained(out_dir, dtype=torch.float32,
                                                 attn_implementation="sdpa").eval()
    model.float()
    with torch.no_grad():
        logits = model(input_ids=ids, attention_mask=mask, position_ids=positions).logits
    real = mask.bool()
    diff = (logits - expected_logits).abs()[real].max().item()
    assert diff < 1e-5, f"sdpa and eager differ by {diff} in {out_dir}"


def causal_expected(model, tok, out_dir):
    batches = []
    for name, side, ids, mask in causal_batches(tok):
        forwards = [forward_record(model, ids, mask, default_positions(mask), "default",
                                   with_loss=(side != "left"))]
        if side == "left":
            forwards.append(forward_record(model, ids, mask, positions_from_mask(mask),
                                           "from_attention_mask", with_loss=False))
        with torch.no_grad():
            eager = model(input_ids=ids, attention_mask=mask).logits
        sdpa_agrees(out_dir, ids, mask, default_positions(mask), eager)
        batches.append({"name": name, "padding": side, "input_ids": ids.tolist(),
                        "attention_mask": mask.tolist(), "forwards": forwards})
    return {
        "batches": batches,
        "perplexity": perplexity_expected(model, tok),
        "sft_loss": sft_expected(model, tok),
        "generation": generation_expected(model, tok),
    }


def perplexity_expected(model, tok):
    texts, total_nll, total_tokens = [], 0.0, 0
    for text in PERPLEXITY_TEXTS:
        ids = torch.tensor([tok(text)["input_ids"]])
        with torch.no_grad():
            loss = model(input_ids=ids, labels=ids).loss
        n = ids.shape[1] - 1
        texts.append({"text": text, "input_ids": ids[0].tolist(), "loss": scalar(loss),
                      "tokens_scored": n})
        total_nll += scalar(loss) * n
        total_tokens += n
    mean = total_nll / total_tokens
    return {
        "texts": texts,
        "tokens_scored": total_tokens,
        "mean_nll": mean,
        "perplexity": math.exp(mean),
    }


def sft_expected(model, tok):
    rows, prompt_lens = [], []
    for prompt, completion in SFT_EXAMPLES:
        p = tok(prompt)["input_ids"]
        c = tok(completion, add_special_tokens=False)["input_ids"] + [tok.eos_token_id]
        rows.append(p + c)
        prompt_lens.append(len(p))
    ids, mask = pad_batch(rows, tok.pad_token_id, "right")
    labels = ids.masked_fill(mask == 0, -100)
    for i, n in enumerate(prompt_lens):
        labels[i, :n] = -100
    with torch.no_grad():
        loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
    return {
        "examples": [{"prompt": p, "completion": c} for p, c in SFT_EXAMPLES],
        "prompt_lengths": prompt_lens,
        "input_ids": ids.tolist(),
        "attention_mask": mask.tolist(),
        "labels": labels.tolist(),
        "loss": scalar(loss),
        "loss_tokens": count_scored(labels),
    }


def run_generate(model, ids, mask, pad_id, eos_ids):
    with torch.no_grad():
        out = model.generate(input_ids=ids, attention_mask=mask, do_sample=False,
                             max_new_tokens=MAX_NEW_TOKENS, pad_token_id=pad_id,
                             eos_token_id=eos_ids, return_dict_in_generate=True,
                             output_scores=True, output_logits=True)
    logits = torch.stack(out.logits)  # (steps, B, V)
    scores = torch.stack(out.scores)
    assert torch.equal(logits, scores), "greedy scores differ from raw logits"
    return out.sequences, logits


def generation_expected(model, tok):
    seqs = [tok(p)["input_ids"] for p in GENERATION_PROMPTS]
    ids, mask = pad_batch(seqs, tok.pad_token_id, "left")
    eos = tok.eos_token_id
    sequences, logits = run_generate(model, ids, mask, tok.pad_token_id, [eos])
    prompt_len = ids.shape[1]
    # A second run adds a stop token the first row emits early (if it emits one that the other
    # rows do not emit first), so stopping and the padding of finished rows are covered too.
    new = sequences[:, prompt_len:]
    stop = None
    for step in range(1, new.shape[1] - 1):
        candidate = int(new[0, step])
        if candidate != eos and all(candidate not in new[r, :step + 1].tolist()
                                    for r in range(1, new.shape[0])):
            stop = candidate
            break
    runs = [{
        "eos_token_id": [eos],
        "sequences": sequences.tolist(),
        "step_logits": tensor_json(logits),
    }]
    if stop is not None:
        sequences2, _ = run_generate(model, ids, mask, tok.pad_token_id, [eos, stop])
        runs.append({"eos_token_id": [eos, stop], "sequences": sequences2.tolist()})
    return {
        "prompts": GENERATION_PROMPTS,
        "input_ids": ids.tolist(),
        "attention_mask": mask.tolist(),
        "position_ids": positions_from_mask(mask).tolist(),
        "max_new_tokens": MAX_NEW_TOKENS,
        "pad_token_id": tok.pad_token_id,
        "runs": runs,
    }


def rm_expected(model, tok):
    rows = []
    for prompt, response in RM_TEXTS:
        ids = tok(prompt + "\n" + response)["input_ids"] + [tok.eos_token_id]
        rows.append(ids)
    batches = []
    for side in ("right", "left"):
        ids, mask = pad_batch(rows, tok.pad_token_id, side)
        kinds = [("default", default_positions(mask))]
        if side == "left":
            kinds.append(("from_attention_mask", positions_from_mask(mask)))
        forwards = []
        for kind, pos in kinds:
            with torch.no_grad():
                out = model(input_ids=ids, attention_mask=mask, position_ids=pos)
                hidden = model.base_model(input_ids=ids, attention_mask=mask,
                                          position_ids=pos).last_hidden_state
                per_position = model.score(hidden)  # (B, T, 1)
            non_pad = (ids != model.config.pad_token_id).int()
            pooled_index = (torch.arange(ids.shape[1]) * non_pad).argmax(-1)
            recomputed = per_position[torch.arange(ids.shape[0]), pooled_index]
            assert torch.equal(recomputed, out.logits), "pooling differs from transformers"
            forwards.append({
                "positions": kind,
                "position_ids": pos.tolist(),
                "pooled_index": pooled_index.tolist(),
                "scores": [scalar(x) for x in out.logits[:, 0]],
                "per_position_scores": tensor_json(per_position[..., 0]),
            })
        batches.append({"name": f"{side}_padded", "padding": side, "input_ids": ids.tolist(),
                        "attention_mask": mask.tolist(), "forwards": forwards})
    return {"texts": [p + "\n" + r for p, r in RM_TEXTS], "batches": batches}


def tokenizer_expected(tok):
    cases = []
    for text in ENCODING_TEXTS:
        with_special = tok(text)["input_ids"]
        plain = tok(text, add_special_tokens=False)["input_ids"]
        cases.append({"text": text, "input_ids": with_special,
                      "input_ids_no_special": plain,
                      "decoded": tok.decode(plain, skip_special_tokens=False)})
    result = {
        "bos_token": tok.bos_token, "bos_token_id": tok.bos_token_id,
        "eos_token": tok.eos_token, "eos_token_id": tok.eos_token_id,
        "pad_token": tok.pad_token, "pad_token_id": tok.pad_token_id,
        "vocab_size": len(tok),
        "encodings": cases,
    }
    if tok.chat_template is not None:
        chat = {"messages": CHAT_MESSAGES}
        for key, msgs, gen in (("full", CHAT_MESSAGES, False),
                               ("generation_prompt", CHAT_MESSAGES[:-1], True)):
            text = tok.apply_chat_template(msgs, tokenize=False, add_generation_prompt=gen)
            ids = tok.apply_chat_template(msgs, tokenize=True, add_generation_prompt=gen,
                                          return_dict=True)["input_ids"]
            assert ids == tok(text, add_special_tokens=False)["input_ids"]
            chat[key] = {"messages_used": len(msgs), "add_generation_prompt": gen,
                         "text": text, "input_ids": ids}
        result["chat"] = chat
    return result


def header(name, model, kind, dtype_on_disk, note):
    cfg = model.config
    return {
        "format": FORMAT,
        "generated_by": {
            "script": "tools/make_parity_fixtures.py",
            "python": platform.python_version(),
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "tokenizers": tokenizers.__version__,
            "safetensors": safetensors.__version__,
        },
        "model": {
            "dir": name,
            "kind": kind,
            "architecture": cfg.architectures[0],
            "model_type": cfg.model_type,
            "dtype_on_disk": dtype_on_disk,
            "compute_dtype": "float32",
            "attn_implementation": "eager",
            "vocab_size": cfg.vocab_size,
            "hidden_size": cfg.hidden_size,
            "note": note,
        },
        "tolerance": {"logits_abs": 1e-4, "hidden_abs": 1e-4, "scores_abs": 1e-4,
                      "loss_rel": 1e-5},
        "float_decimals": FLOAT_DECIMALS,
    }


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------

def build_causal(name, family, model_cls, config_fn, seed, out_root):
    tok = make_tokenizer(family)
    model = randomize(model_cls(config_fn(tok)), seed)
    out_dir = out_root / name
    save_model(model, tok, family, out_dir)
    return model, tok, out_dir


def write_causal_expected(name, out_dir, dtype_on_disk, note, upcast_from=None):
    if upcast_from is None:
        model = load(out_dir, causal=True)
    else:
        model = load(out_dir, causal=True, dtype=upcast_from).float()
    tok = AutoTokenizer.from_pretrained(out_dir)
    expected = header(name, model, "causal_lm", dtype_on_disk, note)
    expected["tokenizer"] = tokenizer_expected(tok)
    expected.update(causal_expected(model, tok, out_dir))
    write_json(out_dir / "expected.json", expected)


def build_rm(name, family, cls, config_fn, causal_dir, seed, out_root):
    tok = make_tokenizer(family)
    model = cls(config_fn(tok, num_labels=1)).eval()
    backbone = load(causal_dir, causal=True).base_model.state_dict()
    model.base_model.load_state_dict(backbone, strict=True)
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        model.score.weight.copy_(torch.randn(model.score.weight.shape, generator=gen)
                                 * WEIGHT_STD)
    out_dir = out_root / name
    save_model(model, tok, family, out_dir)
    model = load(out_dir, causal=False)
    tok = AutoTokenizer.from_pretrained(out_dir)
    expected = header(name, model, "sequence_classification", "float32",
                      f"backbone copied from ../{causal_dir.name}, score head N(0, 0.2)")
    expected["tokenizer"] = tokenizer_expected(tok)
    expected.update(rm_expected(model, tok))
    write_json(out_dir / "expected.json", expected)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"output directory (default: {DEFAULT_OUT})")
    args = parser.parse_args()

    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    out_root = args.out
    out_root.mkdir(parents=True, exist_ok=True)

    build_causal("gpt2", "gpt2", GPT2LMHeadModel, gpt2_config, SEED + 1, out_root)
    write_causal_expected("gpt2", out_root / "gpt2", "float32", "tied lm_head")

    llama, tok, _ = build_causal("llama", "llama", LlamaForCausalLM, llama_config, SEED + 2,
                                 out_root)
    write_causal_expected("llama", out_root / "llama", "float32", "GQA 4/2 heads, untied")

    build_causal("qwen2", "qwen2", Qwen2ForCausalLM, qwen2_config, SEED + 3, out_root)
    write_causal_expected("qwen2", out_root / "qwen2", "float32", "qkv bias, tied, GQA 4/2")

    save_model(llama.to(torch.bfloat16), tok, "llama", out_root / "llama-bf16")
    write_causal_expected(
        "llama-bf16", out_root / "llama-bf16", "bfloat16",
        "the llama weights rounded to bfloat16; expected values computed in float32 from "
        "the bfloat16 weights (loaded, then model.float())", upcast_from=torch.bfloat16)

    build_rm("gpt2-rm", "gpt2", GPT2ForSequenceClassification, gpt2_config,
             out_root / "gpt2", SEED + 4, out_root)
    build_rm("llama-rm", "llama", LlamaForSequenceClassification, llama_config,
             out_root / "llama", SEED + 5, out_root)

    failures = 0
    for name in ("gpt2", "llama", "qwen2", "llama-bf16", "gpt2-rm", "llama-rm"):
        failures += check_hf_load.check(out_root / name, out_root / name / "expected.json",
                                        verbose=False)
    if failures:
        sys.exit(f"self-check failed: {failures} mismatches")
    total = sum(f.stat().st_size for f in out_root.rglob("*") if f.is_file())
    print(f"wrote {out_root} ({total / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
