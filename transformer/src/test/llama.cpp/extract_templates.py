#!/usr/bin/env python3
"""Copies the chat templates of llama.cpp's tests/test-chat-template.cpp (test data, MIT) into
chat-templates/llama.cpp-tests/NN-name.jinja: one file per test case, the C++ string literal decoded."""
import re, sys, pathlib

src = pathlib.Path(sys.argv[1]).read_text(encoding="utf-8")
out = pathlib.Path(sys.argv[2])
lit = r'(?:U8C\()?"((?:[^"\\]|\\.)*)"\)?'
pat = re.compile(r'/\* \.name= \*/\s*' + lit + r',\s*(?://[^\n]*\n\s*)*/\* \.template_str\s*=?\s*\*/\s*' + lit, re.S)

def unescape(s):
    return re.sub(r'\\(.)', lambda m: {'n': '\n', 't': '\t', 'r': '\r', '\\': '\\', '"': '"', "'": "'"}[m.group(1)], s)

for i, m in enumerate(pat.finditer(src)):
    name, tmpl = unescape(m.group(1)), unescape(m.group(2))
    slug = re.sub(r'[^A-Za-z0-9.]+', '-', name.split(' (')[0]).strip('-')
    (out / f"{i:02d}-{slug}.jinja").write_text(tmpl, encoding="utf-8")
    print(f"{i:02d}-{slug}.jinja  {name}")
