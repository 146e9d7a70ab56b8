package dev.skipllama.transformer.tokenizer;

import dev.skipllama.transformer.io.RegularFiles;
import dev.skipllama.transformer.io.TextFiles;
import dev.skipllama.transformer.json.Json;
import dev.skipllama.transformer.json.JsonException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads a Hugging Face {@code tokenizer.json} of a byte-level BPE model with Llama-3's
 * pre-tokenizer: {@code model.vocab} (text → id), {@code model.merges} (either {@code "a b"}
 * strings or {@code ["a", "b"]} pairs), {@code model.ignore_merges}, and {@code added_tokens}
 * (special ones become control tokens, the others user-defined). BOS/EOS and
 * {@code add_bos_token} come from a {@code tokenizer_config.json} beside the file when there is
 * one, else BOS from the post-processor's template and EOS from the usual end-of-text names.
 * Anything else (other pre-tokenizers, normalizers, model types) is rejected by name, since
 * tokenizing it as Llama-3 would silently give wrong ids.
 */
public final class HfTokenizerJson {

    /** Llama-3's split pattern as it appears in its tokenizer.json. */
    public static final String LLAMA3_PATTERN = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    private static final List<String> EOS_NAMES = List.of("<|end_of_text|>", "<|endoftext|>", "</s>", "<|eot_id|>");

    private HfTokenizerJson() {
    }

    /** Reads {@code tokenizer.json}, and {@code tokenizer_config.json} from the same directory if present. */
    public static ByteLevelBpeTokenizer load(Path tokenizerJson) throws IOException {
        RegularFiles.require(tokenizerJson, "tokenizer.json");
        String json = TextFiles.read(tokenizerJson, TextFiles.MAX_JSON_BYTES, "a tokenizer.json");
        Path config = tokenizerJson.resolveSibling("tokenizer_config.json");
        String configJson = null;
        if (Files.exists(config)) {
            RegularFiles.require(config, "tokenizer_config.json");
            configJson = TextFiles.read(config, TextFiles.MAX_JSON_BYTES, "a tokenizer_config.json");
        }
        return parse(json, configJson, tokenizerJson.toString());
    }

    /**
     * @param configJson the {@code tokenizer_config.json} text, or null
     * @param source     names the file in error messages
     */
    public static ByteLevelBpeTokenizer parse(String json, String configJson, String source) {
        Map<String, Object> root;
        try {
            root = Json.parseObject(json);
        } catch (JsonException e) {
            throw new TokenizerFormatException(source + ": not valid JSON: " + e.getMessage(), e);
        }
        Map<String, Object> model = object(root, "model", source);
        Object type = model.getOrDefault("type", "BPE");
        if (!"BPE".equals(type)) {
            throw new TokenizerFormatException(source + ": model.type is " + describe(type) + "; only \"BPE\" is supported");
        }
        if (root.get("normalizer") != null) {
            throw new TokenizerFormatException(source + ": a normalizer (" + describe(root.get("normalizer"))
                    + ") is not supported; byte-level BPE models such as Llama-3 have none (for SentencePiece "
                    + "models read tokenizer.model instead)");
        }
        checkPreTokenizer(root.get("pre_tokenizer"), source);

        Map<String, Object> vocabJson = object(model, "vocab", source);
        List<?> addedJson = root.get("added_tokens") instanceof List<?> l ? l : List.of();
        int size = 0;
        for (Object id : vocabJson.values()) {
            size = Math.max(size, idValue(id, "model.vocab", source) + 1);
        }
        for (Object o : addedJson) {
            size = Math.max(size, idValue(field(o, "id", source), "added_tokens", source) + 1);
        }
        String[] pieces = new String[size];
        TokenType[] types = Vocabulary.normalTypes(size);
        for (Map.Entry<String, Object> e : vocabJson.entrySet()) {
            put(pieces, idValue(e.getValue(), "model.vocab", source), e.getKey(), source);
        }
        for (Object o : addedJson) {
            int id = idValue(field(o, "id", source), "added_tokens", source);
            if (!(field(o, "content", source) instanceof String content)) {
                throw new TokenizerFormatException(source + ": added token " + describe(o) + " has content "
                        + describe(((Map<?, ?>) o).get("content")) + ", expected a string");
            }
            if (pieces[id] != null && !pieces[id].equals(content)) {
                throw new TokenizerFormatException(source + ": added token " + id + " '" + content
                        + "' has the id of vocabulary entry '" + pieces[id] + "'");
            }
            pieces[id] = content;
            Object special = ((Map<?, ?>) o).get("special"); // field() checked that o is an object
            if (special != null && !(special instanceof Boolean)) {
                throw new TokenizerFormatException(source + ": added token " + describe(o) + " has special " + describe(special)
                        + ", expected true or false");
            }
            types[id] = Boolean.TRUE.equals(special) ? TokenType.CONTROL : TokenType.USER_DEFINED;
        }
        for (int i = 0; i < size; i++) {
            if (pieces[i] == null) {
                // A hole in the id space: keep the ids of later tokens; nothing encodes to it.
                pieces[i] = "<|hole_" + i + "|>";
                types[i] = TokenType.UNUSED;
            }
        }
        List<String[]> merges = merges(model.get("merges"), source);
        boolean ignoreMerges = Boolean.TRUE.equals(model.get("ignore_merges"));

        List<String> pieceList = List.of(pieces);
        SpecialIds ids = configJson != null ? fromConfig(configJson, pieceList, source) : fromTemplate(root, pieceList);
        return Loading.named(source, () -> new ByteLevelBpeTokenizer(
                new Vocabulary(pieceList, null, types, ids.bos, ids.eos, -1), merges, ignoreMerges, ids.addBos));
    }

    private record SpecialIds(int bos, int eos, boolean addBos) {
    }

    private static SpecialIds fromConfig(String configJson, List<String> pieces, String source) {
        Map<String, Object> config;
        try {
            config = Json.parseObject(configJson);
        } catch (JsonException e) {
            throw new TokenizerFormatException(source + ": the tokenizer_config.json beside it is not valid JSON: " + e.getMessage(), e);
        }
        int bos = tokenId(config.get("bos_token"), pieces, "bos_token", source);
        int eos = tokenId(config.get("eos_token"), pieces, "eos_token", source);
        Object add = config.get("add_bos_token");
        return new SpecialIds(bos, eos, add instanceof Boolean b ? b : bos >= 0);
    }

    /** {@code "<s>"} or {@code {"content": "<s>", …}} or null → id. */
    private static int tokenId(Object value, List<String> pieces, String key, String source) {
        if (value == null) {
            return -1;
        }
        Object content = value instanceof Map<?, ?> m ? m.get("content") : value;
        if (!(content instanceof String s)) {
            throw new TokenizerFormatException(source + ": tokenizer_config.json " + key + " is " + describe(value)
                    + ", expected a token text");
        }
        int id = pieces.indexOf(s);
        if (id < 0) {
            throw new TokenizerFormatException(source + ": tokenizer_config.json " + key + " '" + s + "' is not a token");
        }
        return id;
    }

    /** BOS: the special token a TemplateProcessing post-processor puts first; EOS: a usual end-of-text name. */
    private static SpecialIds fromTemplate(Map<String, Object> root, List<String> pieces) {
        int bos = -1;
        if (root.get("post_processor") instanceof Map<?, ?> pp) {
            bos = firstTemplateSpecial(pp, pieces);
        }
        int eos = -1;
        for (String name : EOS_NAMES) {
            int id = pieces.indexOf(name);
            if (id >= 0) {
                eos = id;
                break;
            }
        }
        return new SpecialIds(bos, eos, bos >= 0);
    }

    private static int firstTemplateSpecial(Map<?, ?> pp, List<String> pieces) {
        if ("Sequence".equals(pp.get("type")) && pp.get("processors") instanceof List<?> ps) {
            for (Object p : ps) {
                if (p instanceof Map<?, ?> m) {
                    int id = firstTemplateSpecial(m, pieces);
                    if (id >= 0) {
                        return id;
                    }
                }
            }
            return -1;
        }
        if ("TemplateProcessing".equals(pp.get("type")) && pp.get("single") instanceof List<?> single
                && !single.isEmpty() && single.get(0) instanceof Map<?, ?> first
                && first.get("SpecialToken") instanceof Map<?, ?> st && st.get("id") instanceof String name) {
            return pieces.indexOf(name);
        }
        return -1;
    }

    /** Only Llama-3's pre-tokenizer: Split(Llama-3 regex, Isolated) then ByteLevel without its own regex. */
    private static void checkPreTokenizer(Object pre, String source) {
        if (pre instanceof Map<?, ?> m && "Sequence".equals(m.get("type")) && m.get("pretokenizers") instanceof List<?> l
                && l.size() == 2 && l.get(0) instanceof Map<?, ?> split && l.get(1) instanceof Map<?, ?> byteLevel
                && "Split".equals(split.get("type")) && "Isolated".equals(split.get("behavior"))
                && !Boolean.TRUE.equals(split.get("invert"))
                && split.get("pattern") instanceof Map<?, ?> pattern && LLAMA3_PATTERN.equals(pattern.get("Regex"))
                && "ByteLevel".equals(byteLevel.get("type")) && !Boolean.TRUE.equals(byteLevel.get("add_prefix_space"))
                && !Boolean.TRUE.equals(byteLevel.get("use_regex"))) {
            return;
        }
        throw new TokenizerFormatException(source + ": pre_tokenizer " + describe(pre) + " is not supported; only "
                + "Llama-3's (Split on its regex, then ByteLevel) is");
    }

    private static List<String[]> merges(Object value, String source) {
        if (!(value instanceof List<?> list)) {
            throw new TokenizerFormatException(source + ": model.merges is " + describe(value) + ", expected an array");
        }
        List<String[]> out = new ArrayList<>(list.size());
        List<String> strings = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            Object m = list.get(i);
            if (m instanceof String s) {
                strings.add(s);
            } else if (m instanceof List<?> pair && pair.size() == 2 && pair.get(0) instanceof String a
                    && pair.get(1) instanceof String b) {
                out.add(new String[] {a, b});
            } else {
                throw new TokenizerFormatException(source + ": model.merges[" + i + "] is " + describe(m)
                        + ", expected \"a b\" or [\"a\", \"b\"]");
            }
        }
        if (!strings.isEmpty() && !out.isEmpty()) {
            throw new TokenizerFormatException(source + ": model.merges mixes \"a b\" strings and [\"a\", \"b\"] pairs");
        }
        return strings.isEmpty() ? out : Merges.parse(strings, source + " model.merges");
    }

    private static void put(String[] pieces, int id, String text, String source) {
        if (pieces[id] != null) {
            throw new TokenizerFormatException(source + ": id " + id + " is given to both '" + pieces[id] + "' and '" + text + "'");
        }
        pieces[id] = text;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Map<String, Object> parent, String key, String source) {
        Object v = parent.get(key);
        if (!(v instanceof Map)) {
            throw new TokenizerFormatException(source + ": '" + key + "' is " + describe(v) + ", expected an object");
        }
        return (Map<String, Object>) v;
    }

    private static Object field(Object o, String key, String source) {
        if (!(o instanceof Map<?, ?> m) || !m.containsKey(key)) {
            throw new TokenizerFormatException(source + ": added token " + describe(o) + " has no '" + key + "'");
        }
        return m.get(key);
    }

    private static int idValue(Object v, String where, String source) {
        if (!(v instanceof Long l) || l < 0 || l > 10_000_000) {
            throw new TokenizerFormatException(source + ": " + where + " has id " + describe(v)
                    + ", expected an integer in 0..10000000");
        }
        return l.intValue();
    }

    private static String describe(Object v) {
        String s = String.valueOf(v);
        return Json.typeName(v) + " " + (s.length() > 80 ? s.substring(0, 80) + "…" : s);
    }
}
