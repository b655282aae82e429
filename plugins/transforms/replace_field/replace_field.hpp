#pragma once
// org.apache.kafka.connect.transforms.ReplaceField$Key / $Value: keeps the fields `include` lists
// (all when empty) except those in `exclude` (exclude wins), then renames them by `renames`
// (old:new,...). The pre-2.6 names `whitelist` / `blacklist` (removed in Kafka 4.0) are still
// accepted for `include` / `exclude` when the new key is absent, as ConfigUtils translated them.

#include "plugins/transforms/common/transform_util.hpp"

#include "ferry/transform/transformation.hpp"

#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace ferry::transforms {

class replace_field final : public transformation {
public:
    explicit replace_field(side s) : _side(s) {}
    static const config::config_def& definition();
    void configure(const config::config_map& config) override;
    const config::config_def& config() const override { return definition(); }
    bool apply(connect_record& record) override;

private:
    bool keep(const std::string& name) const;
    const std::string& renamed(const std::string& name) const;

    struct plan {
        schema_ptr updated;
        std::vector<int> source_index; // per updated field, the input struct's field index
        // source_index strictly increasing (fields only dropped and renamed, never reordered or
        // read twice): a struct the record owns can then be compacted in place.
        bool in_order = true;
    };

    side _side;
    std::unordered_set<std::string> _exclude, _include;
    std::unordered_map<std::string, std::string> _renames;
    bool _replace_null_with_default = true;
    schema_keyed_cache<plan> _cache;
};

} // namespace ferry::transforms
