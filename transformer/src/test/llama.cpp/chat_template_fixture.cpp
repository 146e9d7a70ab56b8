// Produces the expected outputs of ChatTemplateConformanceTest with llama.cpp's own code: for each case
// of chat-templates/cases.json, the prompt llama.cpp's chat layer renders (common_chat_templates_apply,
// as llama-server does, with BOS/EOS taken from the case's vocabulary) and the token ids llama-server
// would feed the model (add_special and parse_special on). One JSON object per line on stdout.
//
// Build against a llama.cpp checkout that has built libllama and libllama-common (see README.md here):
//   g++ -std=c++17 -O1 -I$LLAMA/include -I$LLAMA/common -I$LLAMA/vendor -I$LLAMA/ggml/include \
//       chat_template_fixture.cpp -L$LLAMA/build/bin -lllama-common -lllama -lggml -lggml-base \
//       -Wl,-rpath,$LLAMA/build/bin -o chat_template_fixture
#include "chat.h"
#include "common.h"
#include "llama.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>

using json = nlohmann::ordered_json;

static std::string slurp(const std::string & path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot read " + path);
    }
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

int main(int argc, char ** argv) {
    if (argc != 3) {
        std::cerr << "usage: chat_template_fixture CASES.json DIR (templates and vocabularies are relative to DIR)\n";
        return 2;
    }
    std::string dir = argv[2];
    json cases = json::parse(slurp(argv[1]));
    llama_backend_init();
    llama_log_set([](ggml_log_level, const char *, void *) {}, nullptr);
    std::map<std::string, llama_model *> models;
    for (auto & c : cases) {
        std::string vocab = c["vocab"].get<std::string>();
        if (!models.count(vocab)) {
            auto params = llama_model_default_params();
            params.vocab_only = true;
            models[vocab] = llama_model_load_from_file((dir + "/" + vocab).c_str(), params);
            if (!models[vocab]) {
                std::cerr << "cannot load " << vocab << "\n";
                return 1;
            }
        }
        llama_model * model = models[vocab];
        std::string tmpl = slurp(dir + "/" + c["template"].get<std::string>());
        json out;
        out["name"] = c["name"];
        try {
            auto tmpls = common_chat_templates_init(model, tmpl);
            common_chat_templates_inputs in;
            in.use_jinja = true;
            in.add_generation_prompt = c.value("add_generation_prompt", true);
            in.messages = common_chat_msgs_parse_oaicompat(common_json::parse(c["messages"].dump()));
            in.chat_template_kwargs["date_string"] = "\"26 Jul 2024\"";
            std::string prompt = common_chat_templates_apply(tmpls.get(), in).prompt;
            out["text"] = prompt;
            out["ids"] = common_tokenize(llama_model_get_vocab(model), prompt, true, true);
        } catch (const std::exception & e) {
            out["error"] = e.what();
        }
        std::cout << out.dump() << "\n";
    }
    return 0;
}
