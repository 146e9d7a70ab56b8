package dev.skipllama.transformer.chat;

/**
 * Jinja sources of the built-in templates, written here to render the same prompts as the templates
 * these model families ship (checked against llama.cpp's renderings in ChatTemplateConformanceTest).
 */
final class BuiltinTemplates {
    private BuiltinTemplates() {
    }

    static String source(String name) {
        return switch (name) {
            case "llama3" -> "{% for m in messages %}{% set c = '<|start_header_id|>' + m['role'] + '<|end_header_id|>\\n\\n' + "
                    + "m['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set c = bos_token + c %}{% endif %}{{ c }}"
                    + "{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";
            // Meta's Llama-2-chat: the system prompt inside the first [INST], BOS before and EOS after every exchange
            case "llama2" -> "{% if messages[0]['role'] == 'system' %}{% set rest = messages[1:] %}{% set sys = messages[0]['content'] %}"
                    + "{% else %}{% set rest = messages %}{% set sys = false %}{% endif %}{% for m in rest %}"
                    + "{% if (m['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate "
                    + "user/assistant/user/assistant/...') }}{% endif %}{% if loop.index0 == 0 and sys != false %}"
                    + "{% set c = '<<SYS>>\\n' + sys + '\\n<</SYS>>\\n\\n' + m['content'] %}{% else %}{% set c = m['content'] %}{% endif %}"
                    + "{% if m['role'] == 'user' %}{{ bos_token + '[INST] ' + c.strip() + ' [/INST]' }}"
                    + "{% elif m['role'] == 'assistant' %}{{ ' ' + c.strip() + ' ' + eos_token }}{% endif %}{% endfor %}";
            // Mistral v1 (7B-Instruct v0.2/v0.3): no system role (merged into the first user message)
            case "mistral" -> "{{ bos_token }}{% for m in messages %}{% if (m['role'] == 'user') != (loop.index0 % 2 == 0) %}"
                    + "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
                    + "{% if m['role'] == 'user' %}{{ '[INST] ' + m['content'] + ' [/INST]' }}{% elif m['role'] == 'assistant' %}"
                    + "{{ m['content'] + eos_token }}{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}"
                    + "{% endif %}{% endfor %}";
            case "chatml" -> "{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n' }}"
                    + "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
            case "gemma" -> "{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}"
                    + "{% endif %}{% for m in messages %}{% if (m['role'] == 'user') != (loop.index0 % 2 == 0) %}"
                    + "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
                    + "{% set role = 'model' if m['role'] == 'assistant' else m['role'] %}"
                    + "{{ '<start_of_turn>' + role + '\\n' + m['content'] | trim + '<end_of_turn>\\n' }}{% endfor %}"
                    + "{% if add_generation_prompt %}{{ '<start_of_turn>model\\n' }}{% endif %}";
            case "phi3" -> "{% for m in messages %}{% if m['role'] == 'system' and m['content'] %}{{ '<|system|>\\n' + m['content'] "
                    + "+ '<|end|>\\n' }}{% elif m['role'] == 'user' %}{{ '<|user|>\\n' + m['content'] + '<|end|>\\n' }}"
                    + "{% elif m['role'] == 'assistant' %}{{ '<|assistant|>\\n' + m['content'] + '<|end|>\\n' }}{% endif %}{% endfor %}"
                    + "{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% else %}{{ eos_token }}{% endif %}";
            // a transcript for base models: they continue "Assistant:" and are stopped at the next "\nUser:"
            case "plain" -> "{% for m in messages %}{% if m['role'] == 'system' %}{{ m['content'] | trim + '\\n\\n' }}"
                    + "{% elif m['role'] == 'user' %}{{ 'User: ' + m['content'] | trim + '\\n' }}"
                    + "{% else %}{{ 'Assistant: ' + m['content'] | trim + '\\n' }}{% endif %}{% endfor %}"
                    + "{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}";
            default -> null;
        };
    }
}
