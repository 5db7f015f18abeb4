#!/usr/bin/env python3
"""Golden values for rlhf4j's SFT data pipeline: which tokens of a chat are assistant tokens.

Run with the reference venv, from the repository root:

    /opt/pyref/bin/python tools/make_sft_fixtures.py

Writes sft/src/test/resources/fixtures/sft_chat.json. For the llama and qwen2 parity tokenizers
(core/src/test/resources/fixtures/parity/), each conversation is tokenized by transformers'
apply_chat_template(tokenize=True, return_dict=True, return_assistant_tokens_mask=True) with a
copy of the model's own chat template in which each assistant turn's trained text is wrapped in
{% generation %} ... {% endgeneration %} (the markers TRL's assistant_only_loss relies on). The
copies render exactly the text of the originals (checked below); they mark as trained:

  llama:  ' ' + content + eos_token   after 'Assistant:'; the '\\n' after it is context
  qwen2:  content + '<|im_end|>'      after '<|im_start|>assistant\\n'; the '\\n' after it is context

i.e. each turn's text after the generation prompt, up to and including its end-of-turn EOS. The
record holds: messages, text, input_ids (the whole rendering, no special tokens added) and
assistant_masks (1 = trained).
"""

import json
import platform
from pathlib import Path

import tokenizers
import transformers
from transformers import AutoTokenizer

ROOT = Path(__file__).resolve().parent.parent
PARITY = ROOT / "core/src/test/resources/fixtures/parity"
OUT = ROOT / "sft/src/test/resources/fixtures/sft_chat.json"

TAGGED = {
    "llama": (
        "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'assistant' %}"
        "{{ 'Assistant:' }}{% generation %}{{ ' ' + message['content'] + eos_token }}{% endgeneration %}{{ '\\n' }}"
        "{% else %}{{ message['role'] | capitalize + ': ' + message['content'] + '\\n' }}{% endif %}{% endfor %}"
        "{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}"
    ),
    "qwen2": (
        "{% for message in messages %}{% if message['role'] == 'assistant' %}"
        "{{ '<|im_start|>assistant\\n' }}{% generation %}{{ message['content'] + '<|im_end|>' }}{% endgeneration %}"
        "{{ '\\n' }}{% else %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
        "{% endif %}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
    ),
}

CONVERSATIONS = [
    [
        {"role": "user", "content": "Why does the wheel turn?"},
        {"role": "assistant", "content": "The water pushes it."},
    ],
    [
        {"role": "system", "content": "You answer briefly."},
        {"role": "user", "content": "Who bought the flour?"},
        {"role": "assistant", "content": "The baker."},
        {"role": "user", "content": "And the honey?"},
        {"role": "assistant", "content": "The miller bought the honey at the market."},
    ],
    [
        {"role": "user", "content": "What is sold?"},
        {"role": "assistant", "content": "Apples and honey."},
        {"role": "user", "content": "Thanks."},
    ],
]


def record(tok, original, tagged, messages):
    text = tok.apply_chat_template(messages, chat_template=original, tokenize=False)
    assert text == tok.apply_chat_template(messages, chat_template=tagged, tokenize=False), "tagged copy differs"
    out = tok.apply_chat_template(messages, chat_template=tagged, tokenize=True, return_dict=True,
                                  return_assistant_tokens_mask=True)
    return {
        "messages": messages,
        "text": text,
        "input_ids": list(out["input_ids"]),
        "assistant_masks": list(out["assistant_masks"]),
    }


def main():
    result = {
        "format": "rlhf4j-sft-chat-fixture/1",
        "generated_by": {
            "script": "tools/make_sft_fixtures.py",
            "python": platform.python_version(),
            "transformers": transformers.__version__,
            "tokenizers": tokenizers.__version__,
        },
        "models": {},
    }
    for name, tagged in TAGGED.items():
        tok = AutoTokenizer.from_pretrained(PARITY / name)
        original = tok.chat_template
        result["models"][name] = [record(tok, original, tagged, m) for m in CONVERSATIONS]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=1) + "\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
