#!/usr/bin/env python3
"""Write the ids sentencepiece gives for a set of varied texts, so the Java tokenizer.model loader
can be checked against sentencepiece itself (run with Debian's /usr/bin/python3, which has
python3-sentencepiece).

Usage: /usr/bin/python3 training/tokenizer_fixture.py [MODEL] [OUT]
  MODEL defaults to transformer/src/test/resources/tiny-layerskip/tokenizer.model
  OUT   defaults to transformer/src/test/resources/tiny-layerskip/tokenizer-expected.jsonl
Each output line is {"text": ..., "ids": [...], "decoded": ...}: ids = sp.encode(text) (no BOS),
decoded = sp.decode(ids). The hand-picked texts are followed by 200 seeded random ones.
"""
import json
import os
import random
import sys

import sentencepiece as spm

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RES = os.path.join(ROOT, "transformer", "src", "test", "resources", "tiny-layerskip")

TEXTS = [
    "Once upon a time, there was a little girl named Lily.",
    "The jury further said in term-end presentments that the City Executive Committee",
    "Hello world",
    " Hello world",
    "  Hello  world  ",
    "Hello\tworld",
    "line one\nline two",
    "\n",
    " ",
    "   ",
    "a",
    "I've been 'told he's there, 'RE you sure? 'M not sure I'll make it, 'D you like some tea?",
    "3 33 333 3333 3.14159 1,000,000",
    "In 1961, 42% of the 1,204 voters said \"no\".",
    "Café naïve résumé Ångström",
    "Äpfel, Öl, Übermut und Straße",
    "нещо на Български",
    "東京は日本の首都です",
    "🚀 (normal) 😶‍🌫️ (multiple emojis concatenated) ✅",
    "ied 4 ½ months",
    "w048 7tuijk dsdfhu",
    "!!!!!! ?????? ...... ''''''",
    "<s> and </s> and <unk> are written here as plain text",
    "<0x0A> is not a byte here",
    "mixed CASE Words And UPPER lower",
    "The quick brown fox jumps over the lazy dog.",
    "She said: \"It's fine,\" and left; he didn't.",
    "e-mail: someone@example.com, url: https://example.com/a?b=c&d=e",
    "tabs\t\tand  spaces   mixed\t here",
    "trailing space ",
    "x" * 40,
    "The Fulton County Grand Jury said Friday an investigation of Atlanta's recent primary election produced no evidence.",
    "Σὲ γνωρίζω ἀπὸ τὴν κόψη",
    "\u00a0non-breaking\u00a0space",
    "zero\u200bwidth",
    "a\u0301 combining accent",
    "",
]


def random_texts(n, seed=1234):
    """Seeded random texts mixing spaces, tabs and newlines, ASCII, accented and non-Latin letters,
    digits, emoji and arbitrary code points, to cover byte fallback and merges beyond the list above."""
    rng = random.Random(seed)
    pools = [
        (6, lambda: chr(rng.randint(0x20, 0x7E))),
        (4, lambda: rng.choice([" ", " ", " ", "\t", "\n", "\r", "\u00a0", "\u3000"])),
        (3, lambda: chr(rng.randint(0xA1, 0x24F))),
        (2, lambda: chr(rng.randint(0x400, 0x4FF))),
        (2, lambda: chr(rng.randint(0x4E00, 0x4FFF))),
        (1, lambda: chr(rng.randint(0x300, 0x36F))),
        (2, lambda: chr(rng.randint(0x1F300, 0x1F64F))),
        (1, lambda: chr(rng.choice([rng.randint(0x1, 0xD7FF), rng.randint(0xE000, 0x10FFFF)]))),
    ]
    weights = [w for w, _ in pools]
    out = []
    for _ in range(n):
        k = rng.randint(1, 60)
        out.append("".join(rng.choices(pools, weights)[0][1]() for _ in range(k)))
    return out


def main():
    model = sys.argv[1] if len(sys.argv) > 1 else os.path.join(RES, "tokenizer.model")
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(RES, "tokenizer-expected.jsonl")
    sp = spm.SentencePieceProcessor(model_file=model)
    with open(out, "w", encoding="utf-8") as f:
        for text in TEXTS + random_texts(200):
            ids = sp.encode(text)
            f.write(json.dumps({"text": text, "ids": ids, "decoded": sp.decode(ids)}, ensure_ascii=False) + "\n")
    print(f"wrote {len(TEXTS) + 200} cases to {out}")


if __name__ == "__main__":
    main()
