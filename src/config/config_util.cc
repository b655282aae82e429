#include "config/config_util.hpp"

namespace ferry::config {

config_map originals_with_prefix(const config_map& m, std::string_view prefix, bool strip) {
    if (strip) return with_prefix_stripped(m, prefix);
    config_map out;
    for (auto it = m.lower_bound(std::string(prefix)); it != m.end() && it->first.starts_with(prefix); ++it)
        if (it->first.size() > prefix.size()) out.emplace(it->first, it->second);
    return out;
}

const config_map& prefix_split::operator[](std::string_view prefix) const {
    static const config_map empty;
    auto it = by_prefix.find(prefix);
    return it == by_prefix.end() ? empty : it->second;
}

prefix_split split_by_prefix(const config_map& m, std::span<const std::string_view> prefixes) {
    prefix_split out;
    for (auto p : prefixes) out.by_prefix.try_emplace(std::string(p));
    for (const auto& [k, v] : m) {
        std::string_view best;
        for (auto p : prefixes)
            if (k.size() > p.size() && k.starts_with(p) && p.size() > best.size()) best = p;
        if (best.empty())
            out.rest.emplace(k, v);
        else
            out.by_prefix.find(best)->second.emplace(k.substr(best.size()), v);
    }
    return out;
}

config_map mask_passwords(const config_map& m, const config_def& def, std::span<const std::string_view> prefixes) {
    auto is_password = [&](std::string_view key) {
        const config_key* k = def.find(key);
        return k && k->type == config_type::password;
    };
    config_map out = m;
    for (auto& [k, v] : out) {
        bool secret = is_password(k);
        for (auto p : prefixes)
            if (!secret && k.size() > p.size() && k.starts_with(p)) secret = is_password(std::string_view(k).substr(p.size()));
        if (secret) v = std::string(hidden);
    }
    return out;
}

} // namespace ferry::config
