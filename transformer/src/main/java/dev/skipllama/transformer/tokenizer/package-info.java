/**
 * Tokenizers for Llama-family models, exact to llama.cpp.
 *
 * <ul>
 *   <li>{@link dev.skipllama.transformer.tokenizer.Tokenizer}: the API (encode with optional BOS and
 *       special-token parsing, decode, streaming {@link dev.skipllama.transformer.tokenizer.PieceDecoder},
 *       special-token lookup, end-of-generation ids).</li>
 *   <li>{@link dev.skipllama.transformer.tokenizer.SentencePieceTokenizer}: Llama-2 style SentencePiece
 *       BPE (merges by piece score, byte fallback, dummy prefix).</li>
 *   <li>{@link dev.skipllama.transformer.tokenizer.ByteLevelBpeTokenizer}: Llama-3 style byte-level BPE
 *       (GPT-2 byte alphabet, merges by rank, Llama-3's pre-tokenizer).</li>
 *   <li>Loaders: {@link dev.skipllama.transformer.tokenizer.GgufTokenizerLoader} ({@code tokenizer.ggml.*}),
 *       {@link dev.skipllama.transformer.tokenizer.SentencePieceModelFile} ({@code tokenizer.model}),
 *       {@link dev.skipllama.transformer.tokenizer.HfTokenizerJson} ({@code tokenizer.json}), and
 *       {@link dev.skipllama.transformer.tokenizer.Tokenizers#load} to pick one by file.</li>
 * </ul>
 *
 * <p>Everything is built on a plain-data {@link dev.skipllama.transformer.tokenizer.Vocabulary}.
 */
package dev.skipllama.transformer.tokenizer;
