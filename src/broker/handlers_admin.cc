// Topic administration: CreateTopics, DeleteTopics, CreatePartitions, DescribeConfigs,
// AlterConfigs, IncrementalAlterConfigs, DeleteRecords.

#include "base/log.hpp"
#include "broker/handlers.hpp"
#include "broker/protocol/api.hpp"

#include <algorithm>
#include <set>

namespace ferry::broker {

namespace ec = proto::ec;
using net::outcome;

namespace {

auto logger() {
    static auto l = ferry::log::get("broker");
    return l;
}

template <class M> outcome reply(const net::request_context& ctx, M& msg) {
    return outcome::respond(proto::encode_response(ctx.header, msg));
}

#define DECODE_OR_CLOSE(type, var)                                                                                     \
    auto var##_opt = proto::decode_request<type>(ctx.header, body, size);                                              \
    if (!var##_opt) return outcome::close();                                                                           \
    auto& var = *var##_opt;

// The broker-level setting each topic config inherits from (DescribeConfigs synonyms).
const char* broker_synonym(const std::string& key) {
    static const std::map<std::string, const char*> m = {
        {"cleanup.policy", "log.cleanup.policy"},
        {"compression.type", "compression.type"},
        {"delete.retention.ms", "log.cleaner.delete.retention.ms"},
        {"file.delete.delay.ms", "log.segment.delete.delay.ms"},
        {"flush.messages", "log.flush.interval.messages"},
        {"flush.ms", "log.flush.interval.ms"},
        {"index.interval.bytes", "log.index.interval.bytes"},
        {"max.compaction.lag.ms", "log.cleaner.max.compaction.lag.ms"},
        {"max.message.bytes", "message.max.bytes"},
        {"message.timestamp.type", "log.message.timestamp.type"},
        {"min.cleanable.dirty.ratio", "log.cleaner.min.cleanable.ratio"},
        {"min.compaction.lag.ms", "log.cleaner.min.compaction.lag.ms"},
        {"min.insync.replicas", "min.insync.replicas"},
        {"preallocate", "log.preallocate"},
        {"retention.bytes", "log.retention.bytes"},
        {"retention.ms", "log.retention.ms"},
        {"segment.bytes", "log.segment.bytes"},
        {"segment.index.bytes", "log.index.size.max.bytes"},
        {"segment.jitter.ms", "log.roll.jitter.ms"},
        {"segment.ms", "log.roll.ms"},
        {"unclean.leader.election.enable", "unclean.leader.election.enable"},
    };
    auto it = m.find(key);
    return it == m.end() ? nullptr : it->second;
}

// Whether the broker's properties set the synonym of `key` (then the value's source is the
// static broker config rather than Kafka's default). Retention may be given in hours/minutes.
std::optional<std::string> broker_property_for(const broker_config& cfg, const std::string& key) {
    const char* syn = broker_synonym(key);
    if (!syn) return std::nullopt;
    auto& props = cfg.properties;
    std::vector<std::string> names = {syn};
    if (key == "retention.ms") names = {"log.retention.ms", "log.retention.minutes", "log.retention.hours"};
    if (key == "segment.ms") names = {"log.roll.ms", "log.roll.hours"};
    for (auto& n : names)
        if (props.count(n)) return n;
    return std::nullopt;
}

std::vector<std::string> split_list(const std::string& s) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= s.size()) {
        size_t pos = s.find(',', start);
        if (pos == std::string::npos) pos = s.size();
        std::string item = s.substr(start, pos - start);
        item.erase(0, item.find_first_not_of(" \t"));
        item.erase(item.find_last_not_of(" \t") + 1);
        if (!item.empty()) out.push_back(item);
        start = pos + 1;
    }
    return out;
}

std::string join_list(const std::vector<std::string>& v) {
    std::string s;
    for (auto& x : v) {
        if (!s.empty()) s += ',';
        s += x;
    }
    return s;
}

// Validates configs the way storage will apply them.
result<> validate_configs(const std::map<std::string, std::string>& configs) {
    storage::topic_config probe;
    for (auto& [k, v] : configs)
        if (auto r = probe.set(k, v); !r) return r;
    return {};
}

} // namespace

outcome kafka_api::create_topics(net::request_context& ctx, char* body, size_t size) {
    DECODE_OR_CLOSE(proto::create_topics_request, req);
    proto::create_topics_response r;
    std::map<std::string, int> seen;
    for (auto& t : req.topics)
        seen[t.name]++;
    for (auto& t : req.topics) {
        proto::create_topics_response::topic rt;
        rt.name = t.name;
        auto fail_with = [&](int16_t e, std::string msg) {
            rt.error_code = e;
            rt.error_message = std::move(msg);
        };
        int32_t partitions = t.num_partitions;
        int16_t rf = t.replication_factor;
        std::map<std::string, std::string> configs;
        for (auto& c : t.configs)
            if (c.value) configs[c.name] = *c.value;
        if (seen[t.name] > 1)
            fail_with(ec::invalid_request, "Create topics request from client contains the same topic more than once");
        else if (!valid_topic_name(t.name))
            fail_with(ec::invalid_topic_exception,
                      "Topic name '" + t.name + "' is illegal: use 1 to 249 of [a-zA-Z0-9._-], not '.' or '..'");
        else if (_c.logs->topic_exists(t.name))
            fail_with(ec::topic_already_exists, "Topic '" + t.name + "' already exists.");
        else if (!t.assignments.empty() && (partitions != -1 || rf != -1))
            fail_with(ec::invalid_request, "Both numPartitions or replicationFactor and replicasAssignments were set.");
        else {
            if (!t.assignments.empty()) {
                partitions = static_cast<int32_t>(t.assignments.size());
                rf = 1;
                for (auto& a : t.assignments)
                    if (a.broker_ids.size() != 1 || a.broker_ids[0] != _c.cfg->node_id) {
                        fail_with(ec::invalid_replica_assignment,
                                  "replicas may only be assigned to broker " + std::to_string(_c.cfg->node_id));
                        break;
                    }
            }
            if (partitions == -1) partitions = _c.cfg->num_partitions;
            if (rf == -1) rf = _c.cfg->default_replication_factor;
            if (rt.error_code != ec::none) {
            } else if (partitions <= 0) {
                fail_with(ec::invalid_partitions, "Number of partitions must be larger than 0.");
            } else if (rf <= 0) {
                fail_with(ec::invalid_replication_factor, "Replication factor must be larger than 0.");
            } else if (rf > 1 && !_c.cfg->clamp_replication_factor) {
                fail_with(ec::invalid_replication_factor,
                          "Unable to replicate the partition " + std::to_string(rf) +
                              " time(s): The target replication factor of " + std::to_string(rf) +
                              " cannot be reached because only 1 broker(s) are registered.");
            } else if (auto v = validate_configs(configs); !v) {
                fail_with(ec::invalid_config, v.error().message);
            } else if (!req.validate_only) {
                if (rf > 1)
                    logger()->warn("topic {}: replication factor {} clamped to 1 (single-node broker; "
                                   "ferry.replication.factor.clamp=true)",
                                   t.name, rf);
                auto cr = _c.logs->create_topic(t.name, partitions, configs);
                if (!cr) {
                    if (cr.error().kind == errc::already_exists)
                        fail_with(ec::topic_already_exists, "Topic '" + t.name + "' already exists.");
                    else if (cr.error().kind == errc::invalid_argument)
                        fail_with(ec::invalid_config, cr.error().message);
                    else
                        fail_with(ec::unknown_server_error, cr.error().message);
                } else {
                    logger()->info("created topic {} with {} partitions{}", t.name, partitions,
                                   configs.empty() ? "" : fmt::format(" and {} config overrides", configs.size()));
                }
            }
        }
        if (ctx.header.api_version == 0) rt.error_message.reset();
        r.topics.push_back(std::move(rt));
    }
    return reply(ctx, r);
}

outcome kafka_api::delete_topics(net::request_context& ctx, char* body, size_t size) {
    DECODE_OR_CLOSE(proto::delete_topics_request, req);
    proto::delete_topics_response r;
    for (auto& name : req.topic_names) {
        int16_t e = ec::none;
        if (!_c.logs->topic_exists(name))
            e = ec::unknown_topic_or_partition;
        else if (auto d = _c.logs->delete_topic(name); !d) {
            e = d.error().kind == errc::not_found ? ec::unknown_topic_or_partition : ec::unknown_server_error;
            logger()->warn("deleting topic {} failed: {}", name, d.error().message);
        } else {
            _c.partitions->forget_topic(name);
            auto* groups = _c.groups;
            _c.exec->post([groups, name] { groups->forget_topic(name); });
            logger()->info("deleted topic {}", name);
        }
        r.responses.push_back({name, e});
    }
    return reply(ctx, r);
}

outcome kafka_api::create_partitions(net::request_context& ctx, char* body, size_t size) {
    DECODE_OR_CLOSE(proto::create_partitions_request, req);
    proto::create_partitions_response r;
    for (auto& t : req.topics) {
        proto::create_partitions_response::result rr;
        rr.name = t.name;
        auto current = _c.logs->partition_count(t.name);
        if (!current) {
            rr.error_code = ec::unknown_topic_or_partition;
            rr.error_message = "The topic '" + t.name + "' does not exist.";
        } else if (t.count <= *current) {
            rr.error_code = ec::invalid_partitions;
            rr.error_message = "Topic currently has " + std::to_string(*current) +
                               " partitions, which is higher than the requested " + std::to_string(t.count) + ".";
        } else if (t.assignments && static_cast<int32_t>(t.assignments->size()) != t.count - *current) {
            rr.error_code = ec::invalid_replica_assignment;
            rr.error_message = "Increasing the number of partitions by " + std::to_string(t.count - *current) +
                               " but " + std::to_string(t.assignments->size()) + " assignments provided.";
        } else if (!req.validate_only) {
            if (auto a = _c.logs->add_partitions(t.name, t.count); !a) {
                rr.error_code = ec::invalid_partitions;
                rr.error_message = a.error().message;
            } else {
                logger()->info("topic {}: partitions {} -> {}", t.name, *current, t.count);
            }
        }
        r.results.push_back(std::move(rr));
    }
    return reply(ctx, r);
}

outcome kafka_api::describe_configs(net::request_context& ctx, char* body, size_t size) {
    DECODE_OR_CLOSE(proto::describe_configs_request, req);
    int16_t v = ctx.header.api_version;
    proto::describe_configs_response r;
    for (auto& res : req.resources) {
        proto::describe_configs_response::result out;
        out.resource_type = res.resource_type;
        out.resource_name = res.resource_name;
        auto wanted = [&](const std::string& k) {
            return !res.configuration_keys || res.configuration_keys->empty() ||
                   std::find(res.configuration_keys->begin(), res.configuration_keys->end(), k) !=
                       res.configuration_keys->end();
        };
        if (res.resource_type == proto::resource_topic) {
            auto cfg = _c.logs->config_of(res.resource_name);
            if (!cfg) {
                out.error_code = ec::unknown_topic_or_partition;
                out.error_message = "Topic '" + res.resource_name + "' does not exist.";
                r.results.push_back(std::move(out));
                continue;
            }
            for (auto& [k, val] : cfg->describe()) {
                if (!wanted(k)) continue;
                proto::describe_configs_response::config c;
                c.name = k;
                c.value = val;
                auto bprop = broker_property_for(*_c.cfg, k);
                bool overridden = cfg->overrides.count(k) > 0;
                c.config_source = overridden ? 1 : bprop ? 4 : 5;
                c.is_default = !overridden && !bprop;
                if (req.include_synonyms && v >= 1) {
                    if (overridden) c.synonyms.push_back({k, val, 1});
                    if (bprop)
                        c.synonyms.push_back({*bprop, _c.cfg->properties.at(*bprop), 4});
                    else if (const char* syn = broker_synonym(k); syn && !overridden)
                        c.synonyms.push_back({syn, val, 5});
                }
                out.configs.push_back(std::move(c));
            }
        } else if (res.resource_type == proto::resource_broker) {
            if (!res.resource_name.empty() && res.resource_name != std::to_string(_c.cfg->node_id)) {
                out.error_code = ec::invalid_request;
                out.error_message = "Unexpected broker id, expected " + std::to_string(_c.cfg->node_id) +
                                    " or empty string, but received " + res.resource_name;
                r.results.push_back(std::move(out));
                continue;
            }
            // The effective broker settings; everything is read-only (static).
            auto& d = _c.cfg->storage.defaults;
            std::vector<std::pair<std::string, std::string>> entries = {
                {"node.id", std::to_string(_c.cfg->node_id)},
                {"broker.id", std::to_string(_c.cfg->node_id)},
                {"num.partitions", std::to_string(_c.cfg->num_partitions)},
                {"default.replication.factor", std::to_string(_c.cfg->default_replication_factor)},
                {"auto.create.topics.enable", _c.cfg->auto_create_topics ? "true" : "false"},
                {"log.dirs", _c.cfg->log_dir},
                {"log.retention.ms", std::to_string(d.retention_ms)},
                {"log.retention.bytes", std::to_string(d.retention_bytes)},
                {"log.segment.bytes", std::to_string(d.segment_bytes)},
                {"log.cleanup.policy",
                 d.cleanup_compact ? (d.cleanup_delete ? "compact,delete" : "compact") : "delete"},
                {"message.max.bytes", std::to_string(d.max_message_bytes)},
                {"group.initial.rebalance.delay.ms", std::to_string(_c.cfg->group_initial_rebalance_delay_ms)},
                {"group.min.session.timeout.ms", std::to_string(_c.cfg->group_min_session_timeout_ms)},
                {"group.max.session.timeout.ms", std::to_string(_c.cfg->group_max_session_timeout_ms)},
                {"offsets.retention.minutes", std::to_string(_c.cfg->offsets_retention_minutes)},
                {"transaction.max.timeout.ms", std::to_string(_c.cfg->transaction_max_timeout_ms)},
                {"socket.request.max.bytes", std::to_string(_c.cfg->socket_request_max_bytes)},
                {"num.network.threads", std::to_string(_c.cfg->network_threads)},
                {"min.insync.replicas", "1"},
            };
            for (auto& [k, val] : entries) {
                if (!wanted(k)) continue;
                proto::describe_configs_response::config c;
                c.name = k;
                c.value = val;
                c.read_only = true;
                bool set = _c.cfg->properties.count(k) > 0;
                c.config_source = set ? 4 : 5;
                c.is_default = !set;
                if (req.include_synonyms && v >= 1) c.synonyms.push_back({k, val, c.config_source});
                out.configs.push_back(std::move(c));
            }
        } else {
            out.error_code = ec::invalid_request;
            out.error_message = "Unsupported resource type " + std::to_string(res.resource_type);
        }
        r.results.push_back(std::move(out));
    }
    return reply(ctx, r);
}

outcome kafka_api::alter_configs(net::request_context& ctx, char* body, size_t size, bool incremental) {
    proto::alter_configs_request req;
    if (incremental) {
        auto d = proto::decode_request<proto::incremental_alter_configs_request>(ctx.header, body, size);
        if (!d) return outcome::close();
        req = std::move(*d);
    } else {
        auto d = proto::decode_request<proto::alter_configs_request>(ctx.header, body, size);
        if (!d) return outcome::close();
        req = std::move(*d);
    }
    proto::alter_configs_response r;
    for (auto& res : req.resources) {
        proto::alter_configs_response::response out;
        out.resource_type = res.resource_type;
        out.resource_name = res.resource_name;
        auto fail_with = [&](int16_t e, std::string m) {
            out.error_code = e;
            out.error_message = std::move(m);
        };
        if (res.resource_type == proto::resource_broker) {
            fail_with(ec::invalid_request,
                      "broker configs are static in Ferry's broker; set them in broker.properties");
            r.responses.push_back(std::move(out));
            continue;
        }
        if (res.resource_type != proto::resource_topic) {
            fail_with(ec::invalid_request, "Unsupported resource type " + std::to_string(res.resource_type));
            r.responses.push_back(std::move(out));
            continue;
        }
        auto cfg = _c.logs->config_of(res.resource_name);
        if (!cfg) {
            fail_with(ec::unknown_topic_or_partition, "Topic '" + res.resource_name + "' does not exist.");
            r.responses.push_back(std::move(out));
            continue;
        }
        std::map<std::string, std::optional<std::string>> changes;
        std::map<std::string, std::string> effective =
            incremental ? cfg->overrides : std::map<std::string, std::string>{};
        auto current_value = [&](const std::string& k) -> std::string {
            auto o = effective.find(k);
            if (o != effective.end()) return o->second;
            for (auto& [dk, dv] : cfg->describe())
                if (dk == k) return dv;
            return {};
        };
        for (auto& c : res.configs) {
            int8_t op = incremental ? c.config_operation : proto::config_op_set;
            if (op == proto::config_op_set) {
                if (!c.value) {
                    if (!incremental) continue;
                    fail_with(ec::invalid_config, "Null value not supported for " + c.name);
                    break;
                }
                changes[c.name] = *c.value;
                effective[c.name] = *c.value;
            } else if (op == proto::config_op_delete) {
                changes[c.name] = std::nullopt;
                effective.erase(c.name);
            } else if (op == proto::config_op_append || op == proto::config_op_subtract) {
                if (c.name != "cleanup.policy") {
                    fail_with(ec::invalid_config, "Config value append/subtract is not supported for " + c.name);
                    break;
                }
                auto items = split_list(current_value(c.name));
                for (auto& item : split_list(c.value.value_or(""))) {
                    auto it = std::find(items.begin(), items.end(), item);
                    if (op == proto::config_op_append && it == items.end()) items.push_back(item);
                    if (op == proto::config_op_subtract && it != items.end()) items.erase(it);
                }
                changes[c.name] = join_list(items);
                effective[c.name] = join_list(items);
            } else {
                fail_with(ec::invalid_request, "Unknown config operation " + std::to_string(op));
                break;
            }
        }
        if (out.error_code == ec::none) {
            if (!incremental) {
                for (auto& [k, val] : changes)
                    effective[k] = *val;
            }
            if (auto vr = validate_configs(effective); !vr) fail_with(ec::invalid_config, vr.error().message);
        }
        if (out.error_code == ec::none && !req.validate_only) {
            if (auto a = _c.logs->alter_topic_config(res.resource_name, changes, incremental); !a)
                fail_with(a.error().kind == errc::invalid_argument ? ec::invalid_config : ec::unknown_server_error,
                          a.error().message);
            else
                logger()->info("topic {}: configs altered ({} changes)", res.resource_name, changes.size());
        }
        r.responses.push_back(std::move(out));
    }
    return reply(ctx, r);
}

outcome kafka_api::delete_records(net::request_context& ctx, char* body, size_t size) {
    DECODE_OR_CLOSE(proto::delete_records_request, req);
    proto::delete_records_response r;
    for (auto& t : req.topics) {
        proto::delete_records_response::topic rt;
        rt.name = t.name;
        for (auto& p : t.partitions) {
            proto::delete_records_response::partition rp;
            rp.partition_index = p.partition_index;
            auto ps = _c.partitions->get(t.name, p.partition_index);
            if (!ps) {
                rp.error_code = ec::unknown_topic_or_partition;
            } else {
                int64_t hw = ps->high_watermark();
                int64_t target = p.offset == -1 ? hw : p.offset;
                if (target < 0 || target > hw) {
                    rp.error_code = ec::offset_out_of_range;
                } else if (auto d = ps->log()->delete_records_before(target); !d) {
                    rp.error_code = ec::offset_out_of_range;
                } else {
                    rp.low_watermark = *d;
                }
            }
            rt.partitions.push_back(std::move(rp));
        }
        r.topics.push_back(std::move(rt));
    }
    return reply(ctx, r);
}

} // namespace ferry::broker
