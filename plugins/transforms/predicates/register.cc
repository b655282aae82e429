#include "plugins/transforms/common/register_util.hpp"
#include "plugins/transforms/predicates/predicates.hpp"

namespace ferry {

void register_predicates(plugin_registry& registry) {
    using namespace transforms;
    add_predicate<topic_name_matches>(registry, "TopicNameMatches", &topic_name_matches::definition);
    add_predicate<has_header_key>(registry, "HasHeaderKey", &has_header_key::definition);
    add_predicate<record_is_tombstone>(registry, "RecordIsTombstone", &record_is_tombstone::definition);
}

} // namespace ferry
