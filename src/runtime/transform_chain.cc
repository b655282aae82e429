#include "runtime/transform_chain.hpp"

#include <fmt/format.h>

namespace ferry::runtime {

using namespace config;

transform_chain transform_chain::build(const plugin_registry& plugins, const config_map& cfg) {
    transform_chain chain;
    auto get = [&](const std::string& k) -> std::optional<std::string> {
        auto it = cfg.find(k);
        if (it == cfg.end()) return std::nullopt;
        return it->second;
    };
    auto list = [&](const char* key) {
        auto v = get(key);
        return std::get<std::vector<std::string>>(config_def::parse_value(key, v.value_or(""), config_type::list));
    };
    auto pred_aliases = list("predicates");
    for (auto& alias : list("transforms")) {
        auto prefix = "transforms." + alias + ".";
        auto type = get(prefix + "type");
        if (!type || type->empty())
            throw config_error(fmt::format("Missing required configuration \"{}type\" which has no default value.", prefix));
        stage_entry e;
        e.alias = alias;
        auto info = plugins.find(*type, plugin_type::transformation);
        e.class_name = info ? info->class_name : *type;
        e.transform = plugins.make_transformation(*type);
        e.transform->configure(with_prefix_stripped(cfg, prefix));
        auto pred = get(prefix + "predicate");
        if (pred && !pred->empty()) {
            if (std::find(pred_aliases.begin(), pred_aliases.end(), *pred) == pred_aliases.end())
                throw config_error(fmt::format("Transformation {} refers to predicate '{}' which is not defined in "
                                               "'predicates'", alias, *pred));
            auto pprefix = "predicates." + *pred + ".";
            auto ptype = get(pprefix + "type");
            if (!ptype || ptype->empty())
                throw config_error(fmt::format("Missing required configuration \"{}type\" which has no default value.", pprefix));
            e.pred = plugins.make_predicate(*ptype);
            e.pred->configure(with_prefix_stripped(cfg, pprefix));
            auto neg = get(prefix + "negate");
            e.negate = neg && std::get<bool>(config_def::parse_value(prefix + "negate", *neg, config_type::boolean));
        } else if (get(prefix + "negate")) {
            throw config_error(fmt::format("Transformation {} has negate set but no predicate", alias));
        }
        chain._stages.push_back(std::move(e));
    }
    return chain;
}

bool transform_chain::apply(connect_record& r, retry_operator& op, const consumed_record* consumed,
                            const source_record* source) {
    for (auto& s : _stages) {
        bool keep = true;
        bool ok = op.execute(
            stage::transformation, s.class_name,
            [&] {
                if (s.pred && (s.pred->test(r) == s.negate)) return; // predicate says skip this stage
                keep = s.transform->apply(r);
            },
            consumed, source);
        if (!ok || !keep) return false;
    }
    return true;
}

} // namespace ferry::runtime
