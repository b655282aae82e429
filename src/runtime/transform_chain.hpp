#pragma once
// The chain of single message transforms configured by `transforms=` (spec section 6): each stage
// is a transformation, optionally guarded by a predicate (applied when predicate XOR negate).
// A stage that drops the record ends the chain.

#include "ferry/plugin.hpp"
#include "runtime/errors/error_handling.hpp"

#include <memory>
#include <string>
#include <vector>

namespace ferry::runtime {

class transform_chain {
public:
    // Builds the chain from a connector config; throws config_error naming the alias on problems.
    static transform_chain build(const plugin_registry& plugins, const config::config_map& connector_config);

    bool empty() const { return _stages.empty(); }

    // Applies every stage through the error operator. Returns false when the record is to be
    // dropped (filtered, or failed and tolerated).
    bool apply(connect_record& r, retry_operator& op, const consumed_record* consumed, const source_record* source);

private:
    struct stage_entry {
        std::string alias;
        std::string class_name;
        std::unique_ptr<transformation> transform;
        std::unique_ptr<predicate> pred;
        bool negate = false;
    };
    std::vector<stage_entry> _stages;
};

} // namespace ferry::runtime
