#pragma once
// org.apache.kafka.connect.transforms.Filter: drops every record; meant to run under a predicate
// (transforms.<alias>.predicate, optionally negated).

#include "ferry/transform/transformation.hpp"

namespace ferry::transforms {

class filter final : public transformation {
public:
    static const config::config_def& definition() {
        static const config::config_def d;
        return d;
    }
    void configure(const config::config_map&) override {}
    const config::config_def& config() const override { return definition(); }
    bool apply(connect_record&) override { return false; }
};

} // namespace ferry::transforms
