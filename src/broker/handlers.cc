#include "broker/handlers.hpp"

#include "base/log.hpp"
#include "broker/protocol/api.hpp"
#include "broker/protocol/record_batch.hpp"

#include <algorithm>

namespace ferry::broker {

namespace ec = proto::ec;
using net::outcome;
using proto::api_key;

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
    if (!var##_opt) {                                                                                                  \
        logger()->debug("malformed {} v{} request from {}: closing", #type, ctx.header.api_version, ctx.client_host);  \
        return outcome::close();                                                                                       \
    }                                                                                                                  \
    auto& var = *var##_opt;

} // namespace

bool kafka_api::valid_topic_name(const std::string& name) {
    if (name.empty() || name.size() > 249 || name == "." || name == "..") return false;
    for (char c : name)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) return false;
    return true;
}

outcome kafka_api::handle(net::request_context& ctx, char* body, size_t size) {
    _c.metrics->count_request(ctx.header.api_key);
    switch (static_cast<api_key>(ctx.header.api_key)) {
    case api_key::api_versions:
        return api_versions(ctx, body, size);
    case api_key::metadata:
        return metadata(ctx, body, size);
    case api_key::produce:
        return produce(ctx, body, size);
    case api_key::fetch:
        return fetch(ctx, body, size);
    case api_key::list_offsets:
        return list_offsets(ctx, body, size);
    case api_key::find_coordinator:
        return find_coordinator(ctx, body, size);
    case api_key::offset_for_leader_epoch:
        return offset_for_leader_epoch(ctx, body, size);
    case api_key::describe_cluster:
        return describe_cluster(ctx, body, size);
    case api_key::join_group:
    case api_key::sync_group:
    case api_key::heartbeat:
    case api_key::leave_group:
    case api_key::offset_commit:
    case api_key::offset_fetch:
    case api_key::describe_groups:
    case api_key::list_groups:
    case api_key::delete_groups:
    case api_key::txn_offset_commit:
        return group_api(ctx, body, size);
    case api_key::init_producer_id:
    case api_key::add_partitions_to_txn:
    case api_key::add_offsets_to_txn:
    case api_key::end_txn:
        return txn_api(ctx, body, size);
    case api_key::create_topics:
        return create_topics(ctx, body, size);
    case api_key::delete_topics:
        return delete_topics(ctx, body, size);
    case api_key::create_partitions:
        return create_partitions(ctx, body, size);
    case api_key::describe_configs:
        return describe_configs(ctx, body, size);
    case api_key::alter_configs:
        return alter_configs(ctx, body, size, false);
    case api_key::incremental_alter_configs:
        return alter_configs(ctx, body, size, true);
    case api_key::delete_records:
        return delete_records(ctx, body, size);
    default:
        return outcome::close();
    }
}

// ---------------------------------------------------------------- ApiVersions
outcome kafka_api::api_versions(net::request_context& ctx, char* body, size_t size) {
    proto::api_versions_response r;
    auto* self = proto::find_api(api_key::api_versions);
    if (ctx.header.api_version > self->max_version) {
        // KIP-511: answer in the v0 layout with UNSUPPORTED_VERSION and our ApiVersions range so
        // the client retries with a version we serve.
        r.error_code = ec::unsupported_version;
        r.api_keys.push_back({self->key, self->min_version, self->max_version});
        proto::request_header h0 = ctx.header;
        h0.api_version = 0;
        return outcome::respond(proto::encode_response(h0, r));
    }
    for (auto& a : proto::supported_apis())
        r.api_keys.push_back({a.key, a.min_version, a.max_version});
    return reply(ctx, r);
}

// ---------------------------------------------------------------- Metadata
bool kafka_api::auto_create(const std::string& topic) {
    auto r = _c.logs->create_topic(topic, _c.cfg->num_partitions, {});
    if (!r && r.error().kind != errc::already_exists) {
        logger()->warn("auto-creating topic {} failed: {}", topic, r.error().message);
        return false;
    }
    if (r) logger()->info("auto-created topic {} with {} partitions", topic, _c.cfg->num_partitions);
    return true;
}

outcome kafka_api::metadata(net::request_context& ctx, char* body, size_t size) {
    DECODE_OR_CLOSE(proto::metadata_request, req);
    int16_t v = ctx.header.api_version;
    proto::metadata_response r;
    r.brokers.push_back({_c.cfg->node_id, _c.advertised_host, _c.advertised_port, std::nullopt});
    r.cluster_id = _c.cluster_id;
    r.controller_id = _c.cfg->node_id;
    std::vector<std::string> names;
    bool all = !req.topics || (v == 0 && req.topics->empty());
    if (all) {
        names = _c.logs->topics();
        std::sort(names.begin(), names.end());
    } else {
        names = *req.topics;
    }
    for (auto& name : names) {
        proto::metadata_response::topic t;
        t.name = name;
        auto count = _c.logs->partition_count(name);
        if (!count && !all) {
            if (!valid_topic_name(name)) {
                t.error_code = ec::invalid_topic_exception;
                r.topics.push_back(std::move(t));
                continue;
            }
            bool allowed = _c.cfg->auto_create_topics && (v <= 3 || req.allow_auto_topic_creation);
            // The topic is usable as soon as it is created, so it is returned ready (clients
            // would otherwise retry after LEADER_NOT_AVAILABLE).
            if (allowed && auto_create(name)) count = _c.logs->partition_count(name);
        }
        if (!count) {
            t.error_code = ec::unknown_topic_or_partition;
            r.topics.push_back(std::move(t));
            continue;
        }
        for (int32_t p = 0; p < *count; ++p) {
            proto::metadata_response::partition mp;
            mp.partition_index = p;
            mp.leader_id = _c.cfg->node_id;
            mp.leader_epoch = 0;
            mp.replica_nodes = {_c.cfg->node_id};
            mp.isr_nodes = {_c.cfg->node_id};
            t.partitions.push_back(std::move(mp));
        }
        r.topics.push_back(std::move(t));
    }
    return reply(ctx, r);
}

// ---------------------------------------------------------------- Produce
outcome kafka_api::produce(net::request_context& ctx, char* body, size_t size) {
    DECODE_OR_CLOSE(proto::produce_request, req);
    int16_t v = ctx.header.api_version;
    proto::produce_response r;
    bool bad_acks = req.acks != 0 && req.acks != 1 && req.acks != -1;
    for (auto& t : req.topics) {
        proto::produce_response::topic rt;
        rt.name = t.name;
        for (auto& p : t.partitions) {
            proto::produce_response::partition rp;
            rp.index = p.index;
            auto fail_with = [&](int16_t e, std::string msg) {
                rp.error_code = e;
                if (v >= 8 && !msg.empty()) rp.error_message = std::move(msg);
                _c.metrics->produce_errors.fetch_add(1, std::memory_order_relaxed);
            };
            if (bad_acks) {
                fail_with(ec::invalid_required_acks, "acks must be 0, 1 or -1");
            } else if (auto ps = _c.partitions->get(t.name, p.index); !ps) {
                fail_with(ec::unknown_topic_or_partition, "");
            } else {
                std::string_view data = p.records.view();
                auto h = proto::parse_batch_header(data);
                if (!h)
                    fail_with(ec::invalid_record, "expected one RecordBatch of magic 2");
                else if (h->total_size() != data.size())
                    fail_with(ec::invalid_record, "expected exactly one RecordBatch per partition");
                else if (h->is_control())
                    fail_with(ec::invalid_record, "clients must not send control batches");
                else if (h->compression() == 4 && v < 7)
                    fail_with(ec::unsupported_compression_type, "zstd needs Produce v7 or later");
                else if (h->compression() > 4)
                    fail_with(ec::invalid_record, "unknown compression codec");
                else if (h->producer_id >= 0 && h->base_sequence < 0)
                    fail_with(ec::invalid_record, "idempotent batch without a sequence");
                else if (h->is_transactional() && !req.transactional_id)
                    fail_with(ec::invalid_record, "transactional batch in a non-transactional request");
                else if (h->records_count <= 0 || h->records_count != h->last_offset_delta + 1)
                    fail_with(ec::invalid_record, "record count does not match the last offset delta");
                else {
                    auto res = ps->append(std::span<char>(p.records.data, p.records.size), *h);
                    if (res.error != ec::none) {
                        fail_with(res.error, res.message);
                        logger()->debug("produce to {}-{} rejected: {} {}", t.name, p.index,
                                        proto::error_name(res.error), res.message);
                    } else {
                        rp.base_offset = res.base_offset;
                        rp.log_append_time_ms = res.log_append_time;
                        rp.log_start_offset = res.log_start_offset;
                        _c.metrics->produced_batches.fetch_add(1, std::memory_order_relaxed);
                        _c.metrics->produced_records.fetch_add(h->records_count, std::memory_order_relaxed);
                        _c.metrics->produced_bytes.fetch_add(static_cast<int64_t>(data.size()),
                                                             std::memory_order_relaxed);
                    }
                }
            }
            rt.partitions.push_back(std::move(rp));
        }
        r.responses.push_back(std::move(rt));
    }
    if (req.acks == 0) {
        // No response for acks=0; on an error Kafka closes the connection instead, which is how
        // such producers learn to refresh their metadata.
        for (auto& t : r.responses)
            for (auto& p : t.partitions)
                if (p.error_code != ec::none) return outcome::close();
        return outcome::none();
    }
    return reply(ctx, r);
}

// ---------------------------------------------------------------- Fetch
struct kafka_api::parked_fetch {
    proto::request_header header;
    proto::fetch_request req;
    net::reply_token token;
    net::event_loop* loop = nullptr;
    uint64_t watcher = 0;
    uint64_t timer = 0;
    bool done = false;
    std::vector<std::pair<std::shared_ptr<partition_state>, uint64_t>> seen;
};

size_t kafka_api::run_fetch(proto::fetch_request& req, proto::fetch_response& resp, bool& any_error,
                            std::vector<std::pair<std::shared_ptr<partition_state>, uint64_t>>* seen) {
    resp.responses.clear();
    if (seen) seen->clear();
    bool committed = req.isolation_level == 1;
    int64_t budget = req.max_bytes > 0 ? req.max_bytes : INT32_MAX;
    size_t total = 0;
    for (auto& t : req.topics) {
        proto::fetch_response::topic rt;
        rt.topic = t.topic;
        for (auto& p : t.partitions) {
            proto::fetch_response::partition rp;
            rp.partition_index = p.partition;
            rp.records.is_null = false;
            auto ps = _c.partitions->get(t.topic, p.partition);
            if (!ps) {
                rp.error_code = ec::unknown_topic_or_partition;
                any_error = true;
                rt.partitions.push_back(std::move(rp));
                continue;
            }
            if (p.current_leader_epoch > 0) {
                rp.error_code = ec::unknown_leader_epoch;
                any_error = true;
                rt.partitions.push_back(std::move(rp));
                continue;
            }
            if (seen) seen->emplace_back(ps, ps->appends());
            auto& log = *ps->log();
            int64_t lso = ps->last_stable_offset();
            int64_t hw = log.log_end_offset();
            rp.high_watermark = hw;
            rp.last_stable_offset = lso;
            int64_t limit = committed ? lso : hw;
            int64_t room = std::min<int64_t>(p.partition_max_bytes, budget);
            if (room <= 0 && total > 0) {
                rp.log_start_offset = log.log_start_offset();
                if (committed) rp.aborted_transactions.emplace();
                rt.partitions.push_back(std::move(rp));
                continue;
            }
            auto rr = log.read(p.fetch_offset, static_cast<int32_t>(std::max<int64_t>(room, 0)), limit, total == 0);
            rp.log_start_offset = rr.log_start_offset;
            if (rr.high_watermark > rp.high_watermark) rp.high_watermark = rr.high_watermark;
            if (rr.out_of_range) {
                rp.error_code = ec::offset_out_of_range;
                any_error = true;
                rt.partitions.push_back(std::move(rp));
                continue;
            }
            if (committed) {
                rp.aborted_transactions.emplace();
                if (!rr.data.empty()) {
                    auto batches = proto::split_batches(rr.data);
                    int64_t end = p.fetch_offset + 1;
                    if (!batches.empty())
                        if (auto lh = proto::parse_batch_header(batches.back())) end = lh->last_offset() + 1;
                    for (auto& a : log.aborted_between(p.fetch_offset, end))
                        rp.aborted_transactions->push_back({a.producer_id, a.first_offset});
                }
            }
            total += rr.data.size();
            budget -= static_cast<int64_t>(rr.data.size());
            if (!rr.data.empty()) rp.records.set_owned(std::move(rr.data));
            rt.partitions.push_back(std::move(rp));
        }
        resp.responses.push_back(std::move(rt));
    }
    return total;
}

outcome kafka_api::fetch(net::request_context& ctx, char* body, size_t size) {
    DECODE_OR_CLOSE(proto::fetch_request, req);
    proto::fetch_response r;
    if (req.session_id != 0) {
        // Sessionless only (KIP-227): every fetch is a full fetch.
        r.error_code = ec::fetch_session_id_not_found;
        return reply(ctx, r);
    }
    bool any_error = false;
    std::vector<std::pair<std::shared_ptr<partition_state>, uint64_t>> seen;
    size_t got = run_fetch(req, r, any_error, req.max_wait_ms > 0 ? &seen : nullptr);
    bool has_partitions = false;
    for (auto& t : req.topics)
        has_partitions |= !t.partitions.empty();
    if (got >= static_cast<size_t>(std::max(req.min_bytes, 0)) || req.max_wait_ms <= 0 || any_error ||
        !has_partitions || (got > 0 && req.min_bytes <= 0)) {
        _c.metrics->fetched_bytes.fetch_add(static_cast<int64_t>(got), std::memory_order_relaxed);
        return reply(ctx, r);
    }
    // Long poll: park on this network thread until data arrives or max_wait_ms passes. The
    // connection's later requests wait meanwhile (as in Kafka); other connections do not.
    auto pf = std::make_shared<parked_fetch>();
    pf->header = ctx.header;
    pf->req = std::move(req);
    pf->token = ctx.defer();
    pf->loop = ctx.loop;
    pf->seen = std::move(seen);
    std::weak_ptr<parked_fetch> weak = pf;
    pf->watcher = ctx.loop->add_data_watcher([this, weak] {
        if (auto p = weak.lock()) complete_parked(p, false);
    });
    pf->timer =
        ctx.loop->add_timer(net::steady_now_ms() + pf->req.max_wait_ms, [this, pf] { complete_parked(pf, true); });
    _c.metrics->fetch_requests_parked.fetch_add(1, std::memory_order_relaxed);
    return outcome::deferred();
}

void kafka_api::complete_parked(const std::shared_ptr<parked_fetch>& pf, bool timed_out) {
    if (pf->done) return;
    if (!timed_out) {
        bool moved = false;
        for (auto& [ps, n] : pf->seen)
            moved |= ps->appends() != n;
        if (!moved) return; // an append to some other partition
    }
    proto::fetch_response r;
    bool any_error = false;
    size_t got = run_fetch(pf->req, r, any_error, &pf->seen);
    if (!timed_out && !any_error && got < static_cast<size_t>(std::max(pf->req.min_bytes, 1))) return;
    pf->done = true;
    pf->loop->remove_data_watcher(pf->watcher);
    if (!timed_out) pf->loop->cancel_timer(pf->timer);
    _c.metrics->fetched_bytes.fetch_add(static_cast<int64_t>(got), std::memory_order_relaxed);
    pf->token.send(proto::encode_response(pf->header, r));
}

// ---------------------------------------------------------------- ListOffsets
outcome kafka_api::list_offsets(net::request_context& ctx, char* body, size_t size) {
    DECODE_OR_CLOSE(proto::list_offsets_request, req);
    proto::list_offsets_response r;
    for (auto& t : req.topics) {
        proto::list_offsets_response::topic rt;
        rt.name = t.name;
        for (auto& p : t.partitions) {
            proto::list_offsets_response::partition rp;
            rp.partition_index = p.partition_index;
            auto ps = _c.partitions->get(t.name, p.partition_index);
            if (!ps) {
                rp.error_code = ec::unknown_topic_or_partition;
            } else if (p.current_leader_epoch > 0) {
                rp.error_code = ec::unknown_leader_epoch;
            } else if (p.timestamp == -1) {
                rp.offset = req.isolation_level == 1 ? ps->last_stable_offset() : ps->high_watermark();
                rp.leader_epoch = 0;
            } else if (p.timestamp == -2) {
                rp.offset = ps->log()->log_start_offset();
                rp.leader_epoch = 0;
            } else if (p.timestamp < 0) {
                rp.error_code = ec::invalid_request;
            } else if (auto found = ps->log()->offset_for_timestamp(p.timestamp)) {
                rp.offset = found->first;
                rp.timestamp = found->second;
                rp.leader_epoch = 0;
            }
            if (ctx.header.api_version == 0 && rp.error_code == ec::none) rp.old_style_offsets = {rp.offset};
            rt.partitions.push_back(std::move(rp));
        }
        r.topics.push_back(std::move(rt));
    }
    return reply(ctx, r);
}

// ---------------------------------------------------------------- FindCoordinator, DescribeCluster,
// OffsetForLeaderEpoch
outcome kafka_api::find_coordinator(net::request_context& ctx, char* body, size_t size) {
    DECODE_OR_CLOSE(proto::find_coordinator_request, req);
    proto::find_coordinator_response r;
    if (req.key_type != 0 && req.key_type != 1) {
        r.error_code = ec::invalid_request;
        r.error_message = "unknown coordinator key type";
        r.node_id = -1;
        r.port = -1;
        return reply(ctx, r);
    }
    r.node_id = _c.cfg->node_id;
    r.host = _c.advertised_host;
    r.port = _c.advertised_port;
    return reply(ctx, r);
}

outcome kafka_api::describe_cluster(net::request_context& ctx, char* body, size_t size) {
    DECODE_OR_CLOSE(proto::describe_cluster_request, req);
    proto::describe_cluster_response r;
    r.cluster_id = _c.cluster_id;
    r.controller_id = _c.cfg->node_id;
    r.brokers.push_back({_c.cfg->node_id, _c.advertised_host, _c.advertised_port, std::nullopt});
    return reply(ctx, r);
}

outcome kafka_api::offset_for_leader_epoch(net::request_context& ctx, char* body, size_t size) {
    DECODE_OR_CLOSE(proto::offset_for_leader_epoch_request, req);
    proto::offset_for_leader_epoch_response r;
    for (auto& t : req.topics) {
        proto::offset_for_leader_epoch_response::topic rt;
        rt.topic = t.topic;
        for (auto& p : t.partitions) {
            proto::offset_for_leader_epoch_response::partition rp;
            rp.partition = p.partition;
            auto ps = _c.partitions->get(t.topic, p.partition);
            if (!ps)
                rp.error_code = ec::unknown_topic_or_partition;
            else if (p.current_leader_epoch > 0)
                rp.error_code = ec::unknown_leader_epoch;
            else if (p.leader_epoch <= 0) {
                // The only epoch there has ever been is 0, and it ends at the log end.
                rp.leader_epoch = 0;
                rp.end_offset = ps->high_watermark();
            }
            rt.partitions.push_back(std::move(rp));
        }
        r.topics.push_back(std::move(rt));
    }
    return reply(ctx, r);
}

// ---------------------------------------------------------------- groups (coordinator thread)
outcome kafka_api::group_api(net::request_context& ctx, char* body, size_t size) {
    auto token = ctx.defer();
    proto::request_header h = ctx.header;
    group_request_info info{h.api_version, h.client_id.value_or(""), ctx.client_host};
    auto* groups = _c.groups;
    auto post = [&](auto fn) {
        _c.exec->post(std::move(fn));
        return outcome::deferred();
    };
    switch (static_cast<api_key>(h.api_key)) {
    case api_key::join_group: {
        DECODE_OR_CLOSE(proto::join_group_request, req);
        return post([groups, info, h, token, req = std::move(req)]() mutable {
            groups->join_group(info, std::move(req), [h, token](proto::join_group_response resp) {
                token.send(proto::encode_response(h, resp));
            });
        });
    }
    case api_key::sync_group: {
        DECODE_OR_CLOSE(proto::sync_group_request, req);
        return post([groups, info, h, token, req = std::move(req)]() mutable {
            groups->sync_group(info, std::move(req), [h, token](proto::sync_group_response resp) {
                token.send(proto::encode_response(h, resp));
            });
        });
    }
    case api_key::heartbeat: {
        DECODE_OR_CLOSE(proto::heartbeat_request, req);
        return post([groups, info, h, token, req = std::move(req)] {
            auto resp = groups->heartbeat(info, req);
            token.send(proto::encode_response(h, resp));
        });
    }
    case api_key::leave_group: {
        DECODE_OR_CLOSE(proto::leave_group_request, req);
        return post([groups, info, h, token, req = std::move(req)] {
            auto resp = groups->leave_group(info, req);
            token.send(proto::encode_response(h, resp));
        });
    }
    case api_key::offset_commit: {
        DECODE_OR_CLOSE(proto::offset_commit_request, req);
        return post([groups, info, h, token, req = std::move(req)] {
            auto resp = groups->commit_offsets(info, req);
            token.send(proto::encode_response(h, resp));
        });
    }
    case api_key::offset_fetch: {
        DECODE_OR_CLOSE(proto::offset_fetch_request, req);
        return post([groups, info, h, token, req = std::move(req)] {
            auto resp = groups->fetch_offsets(info, req);
            token.send(proto::encode_response(h, resp));
        });
    }
    case api_key::describe_groups: {
        DECODE_OR_CLOSE(proto::describe_groups_request, req);
        return post([groups, info, h, token, req = std::move(req)] {
            auto resp = groups->describe_groups(info, req);
            token.send(proto::encode_response(h, resp));
        });
    }
    case api_key::list_groups: {
        DECODE_OR_CLOSE(proto::list_groups_request, req);
        return post([groups, info, h, token, req = std::move(req)] {
            auto resp = groups->list_groups(info, req);
            token.send(proto::encode_response(h, resp));
        });
    }
    case api_key::delete_groups: {
        DECODE_OR_CLOSE(proto::delete_groups_request, req);
        return post([groups, info, h, token, req = std::move(req)] {
            auto resp = groups->delete_groups(info, req);
            token.send(proto::encode_response(h, resp));
        });
    }
    case api_key::txn_offset_commit: {
        DECODE_OR_CLOSE(proto::txn_offset_commit_request, req);
        return post([groups, info, h, token, req = std::move(req)] {
            auto resp = groups->txn_commit_offsets(info, req);
            token.send(proto::encode_response(h, resp));
        });
    }
    default:
        return outcome::close();
    }
}

outcome kafka_api::txn_api(net::request_context& ctx, char* body, size_t size) {
    auto token = ctx.defer();
    proto::request_header h = ctx.header;
    auto* txns = _c.txns;
    int16_t v = h.api_version;
    auto post = [&](auto fn) {
        _c.exec->post(std::move(fn));
        return outcome::deferred();
    };
    switch (static_cast<api_key>(h.api_key)) {
    case api_key::init_producer_id: {
        DECODE_OR_CLOSE(proto::init_producer_id_request, req);
        return post([txns, v, h, token, req = std::move(req)] {
            auto resp = txns->init_producer_id(v, req);
            token.send(proto::encode_response(h, resp));
        });
    }
    case api_key::add_partitions_to_txn: {
        DECODE_OR_CLOSE(proto::add_partitions_to_txn_request, req);
        return post([txns, v, h, token, req = std::move(req)] {
            auto resp = txns->add_partitions(v, req);
            token.send(proto::encode_response(h, resp));
        });
    }
    case api_key::add_offsets_to_txn: {
        DECODE_OR_CLOSE(proto::add_offsets_to_txn_request, req);
        return post([txns, v, h, token, req = std::move(req)] {
            auto resp = txns->add_offsets(v, req);
            token.send(proto::encode_response(h, resp));
        });
    }
    case api_key::end_txn: {
        DECODE_OR_CLOSE(proto::end_txn_request, req);
        return post([txns, v, h, token, req = std::move(req)] {
            auto resp = txns->end_txn(v, req);
            token.send(proto::encode_response(h, resp));
        });
    }
    default:
        return outcome::close();
    }
}

} // namespace ferry::broker
