#!/usr/bin/env python3
"""Train a Llama-2 style SentencePiece BPE tokenizer (byte fallback) on the train split only,
then encode train/valid/test into uint16 token files (documents joined with EOS, each line of the
text becomes one SentencePiece piece sequence; BOS starts every document).

Usage: python3 training/train_tokenizer.py [--vocab 4096]
Writes training/data/tokenizer.model and training/data/{train,valid,test}.bin
"""
import argparse
import os

import numpy as np
import sentencepiece as spm

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")


def train(vocab_size):
    spm.SentencePieceTrainer.train(
        input=os.path.join(DATA, "train.txt"),
        model_prefix=os.path.join(DATA, "tokenizer"),
        model_type="bpe",
        vocab_size=vocab_size,
        character_coverage=0.9995,
        byte_fallback=True,
        unk_id=0, bos_id=1, eos_id=2, pad_id=-1,
        unk_piece="<unk>", bos_piece="<s>", eos_piece="</s>",
        split_digits=True,
        add_dummy_prefix=True,
        normalization_rule_name="identity",
        remove_extra_whitespaces=False,
        allow_whitespace_only_pieces=True,
        max_sentence_length=16384,
        input_sentence_size=2_000_000,
        shuffle_input_sentence=True,
        num_threads=2,
        seed_sentencepiece_size=1_000_000,
    )


def encode_split(sp, name):
    """Each document (blank-line separated) -> BOS + its lines joined with '\n', then EOS."""
    with open(os.path.join(DATA, f"{name}.txt"), encoding="utf-8") as f:
        documents = [d for d in f.read().split("\n\n") if d.strip()]
    ids = []
    for doc in documents:
        # lines are encoded separately (each gets the dummy prefix, like a new paragraph in Llama)
        # and joined by the newline byte token
        newline = sp.piece_to_id("<0x0A>")
        ids.append(sp.bos_id())
        for j, line in enumerate(doc.split("\n")):
            if j:
                ids.append(newline)
            ids.extend(sp.encode(line))
        ids.append(sp.eos_id())
    arr = np.array(ids, dtype=np.uint16)
    arr.tofile(os.path.join(DATA, f"{name}.bin"))
    print(f"{name}: {len(arr)} tokens")
    return len(arr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vocab", type=int, default=4096)
    args = ap.parse_args()
    train(args.vocab)
    sp = spm.SentencePieceProcessor(model_file=os.path.join(DATA, "tokenizer.model"))
    for name in ("train", "valid", "test"):
        encode_split(sp, name)


if __name__ == "__main__":
    main()
