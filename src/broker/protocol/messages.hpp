#pragma once
// Request and response messages of every served API (spec kafka-protocol.md section 2).
//
// Each message is a plain struct plus one `serde` member describing its wire layout for all
// versions we serve (see serde.hpp): the same function decodes and encodes. Field names follow
// Kafka's message definitions in snake_case; version gates are written exactly as the protocol
// defines them so that a reader can check a struct against the protocol guide line by line.
// Versions outside the advertised ranges (api.cc) are never decoded here.

#include "broker/protocol/serde.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ferry::broker::proto {

inline constexpr int32_t no_authorized_operations = INT32_MIN;

// ---------------------------------------------------------------- ApiVersions (18)
struct api_versions_request {
    std::string client_software_name;
    std::string client_software_version;
    template <class S> void serde(S& s) {
        if (s.v >= 3) {
            s.str(client_software_name);
            s.str(client_software_version);
        }
        s.tags();
    }
};
struct api_versions_response {
    struct api {
        int16_t api_key = 0, min_version = 0, max_version = 0;
    };
    int16_t error_code = 0;
    std::vector<api> api_keys;
    int32_t throttle_time_ms = 0;
    template <class S> void serde(S& s) {
        s.i16(error_code);
        s.array(api_keys, [&](api& a) {
            s.i16(a.api_key);
            s.i16(a.min_version);
            s.i16(a.max_version);
        });
        if (s.v >= 1) s.i32(throttle_time_ms);
        s.tags();
    }
};

// ---------------------------------------------------------------- Metadata (3)
struct metadata_request {
    std::optional<std::vector<std::string>> topics; // v1+: null = all; v0: empty = all
    bool allow_auto_topic_creation = true;
    bool include_cluster_authorized_operations = false;
    bool include_topic_authorized_operations = false;
    template <class S> void serde(S& s) {
        // Topics are structs of one name (v0-9), so flexible versions would add per-element tags;
        // we serve up to v8 where they are plain string arrays.
        if (s.v == 0) {
            if (!topics) topics.emplace();
            s.array_str(*topics);
        } else {
            s.narray_str(topics);
        }
        if (s.v >= 4) s.boolean(allow_auto_topic_creation);
        if (s.v >= 8) {
            s.boolean(include_cluster_authorized_operations);
            s.boolean(include_topic_authorized_operations);
        }
        s.tags();
    }
};
struct metadata_response {
    struct broker {
        int32_t node_id = 0;
        std::string host;
        int32_t port = 0;
        std::optional<std::string> rack;
    };
    struct partition {
        int16_t error_code = 0;
        int32_t partition_index = 0;
        int32_t leader_id = 0;
        int32_t leader_epoch = 0;
        std::vector<int32_t> replica_nodes, isr_nodes, offline_replicas;
    };
    struct topic {
        int16_t error_code = 0;
        std::string name;
        bool is_internal = false;
        std::vector<partition> partitions;
        int32_t topic_authorized_operations = no_authorized_operations;
    };
    int32_t throttle_time_ms = 0;
    std::vector<broker> brokers;
    std::optional<std::string> cluster_id;
    int32_t controller_id = -1;
    std::vector<topic> topics;
    int32_t cluster_authorized_operations = no_authorized_operations;
    template <class S> void serde(S& s) {
        if (s.v >= 3) s.i32(throttle_time_ms);
        s.array(brokers, [&](broker& b) {
            s.i32(b.node_id);
            s.str(b.host);
            s.i32(b.port);
            if (s.v >= 1) s.nstr(b.rack);
        });
        if (s.v >= 2) s.nstr(cluster_id);
        if (s.v >= 1) s.i32(controller_id);
        s.array(topics, [&](topic& t) {
            s.i16(t.error_code);
            s.str(t.name);
            if (s.v >= 1) s.boolean(t.is_internal);
            s.array(t.partitions, [&](partition& p) {
                s.i16(p.error_code);
                s.i32(p.partition_index);
                s.i32(p.leader_id);
                if (s.v >= 7) s.i32(p.leader_epoch);
                s.array_i32(p.replica_nodes);
                s.array_i32(p.isr_nodes);
                if (s.v >= 5) s.array_i32(p.offline_replicas);
            });
            if (s.v >= 8) s.i32(t.topic_authorized_operations);
        });
        if (s.v >= 8 && s.v <= 10) s.i32(cluster_authorized_operations);
        s.tags();
    }
};

// ---------------------------------------------------------------- Produce (0)
struct produce_request {
    struct partition {
        int32_t index = 0;
        records_field records;
    };
    struct topic {
        std::string name;
        std::vector<partition> partitions;
    };
    std::optional<std::string> transactional_id;
    int16_t acks = 0;
    int32_t timeout_ms = 0;
    std::vector<topic> topics;
    template <class S> void serde(S& s) {
        if (s.v >= 3) s.nstr(transactional_id);
        s.i16(acks);
        s.i32(timeout_ms);
        s.array(topics, [&](topic& t) {
            s.str(t.name);
            s.array(t.partitions, [&](partition& p) {
                s.i32(p.index);
                s.records(p.records);
            });
        });
        s.tags();
    }
};
struct produce_response {
    struct record_error {
        int32_t batch_index = 0;
        std::optional<std::string> message;
    };
    struct partition {
        int32_t index = 0;
        int16_t error_code = 0;
        int64_t base_offset = -1;
        int64_t log_append_time_ms = -1;
        int64_t log_start_offset = -1;
        std::vector<record_error> record_errors;
        std::optional<std::string> error_message;
    };
    struct topic {
        std::string name;
        std::vector<partition> partitions;
    };
    std::vector<topic> responses;
    int32_t throttle_time_ms = 0;
    template <class S> void serde(S& s) {
        s.array(responses, [&](topic& t) {
            s.str(t.name);
            s.array(t.partitions, [&](partition& p) {
                s.i32(p.index);
                s.i16(p.error_code);
                s.i64(p.base_offset);
                if (s.v >= 2) s.i64(p.log_append_time_ms);
                if (s.v >= 5) s.i64(p.log_start_offset);
                if (s.v >= 8) {
                    s.array(p.record_errors, [&](record_error& r) {
                        s.i32(r.batch_index);
                        s.nstr(r.message);
                    });
                    s.nstr(p.error_message);
                }
            });
        });
        if (s.v >= 1) s.i32(throttle_time_ms);
        s.tags();
    }
};

// ---------------------------------------------------------------- Fetch (1)
struct fetch_request {
    struct partition {
        int32_t partition = 0;
        int32_t current_leader_epoch = -1;
        int64_t fetch_offset = 0;
        int64_t log_start_offset = -1;
        int32_t partition_max_bytes = 0;
    };
    struct topic {
        std::string topic;
        std::vector<partition> partitions;
    };
    struct forgotten {
        std::string topic;
        std::vector<int32_t> partitions;
    };
    int32_t replica_id = -1;
    int32_t max_wait_ms = 0;
    int32_t min_bytes = 0;
    int32_t max_bytes = INT32_MAX;
    int8_t isolation_level = 0;
    int32_t session_id = 0;
    int32_t session_epoch = -1;
    std::vector<topic> topics;
    std::vector<forgotten> forgotten_topics_data;
    std::string rack_id;
    template <class S> void serde(S& s) {
        s.i32(replica_id);
        s.i32(max_wait_ms);
        s.i32(min_bytes);
        if (s.v >= 3) s.i32(max_bytes);
        if (s.v >= 4) s.i8(isolation_level);
        if (s.v >= 7) {
            s.i32(session_id);
            s.i32(session_epoch);
        }
        s.array(topics, [&](topic& t) {
            s.str(t.topic);
            s.array(t.partitions, [&](partition& p) {
                s.i32(p.partition);
                if (s.v >= 9) s.i32(p.current_leader_epoch);
                s.i64(p.fetch_offset);
                if (s.v >= 5) s.i64(p.log_start_offset);
                s.i32(p.partition_max_bytes);
            });
        });
        if (s.v >= 7)
            s.array(forgotten_topics_data, [&](forgotten& f) {
                s.str(f.topic);
                s.array_i32(f.partitions);
            });
        if (s.v >= 11) s.str(rack_id);
        s.tags();
    }
};
struct fetch_response {
    struct aborted {
        int64_t producer_id = 0;
        int64_t first_offset = 0;
    };
    struct partition {
        int32_t partition_index = 0;
        int16_t error_code = 0;
        int64_t high_watermark = -1;
        int64_t last_stable_offset = -1;
        int64_t log_start_offset = -1;
        std::optional<std::vector<aborted>> aborted_transactions;
        int32_t preferred_read_replica = -1;
        records_field records;
    };
    struct topic {
        std::string topic;
        std::vector<partition> partitions;
    };
    int32_t throttle_time_ms = 0;
    int16_t error_code = 0;
    int32_t session_id = 0;
    std::vector<topic> responses;
    template <class S> void serde(S& s) {
        if (s.v >= 1) s.i32(throttle_time_ms);
        if (s.v >= 7) {
            s.i16(error_code);
            s.i32(session_id);
        }
        s.array(responses, [&](topic& t) {
            s.str(t.topic);
            s.array(t.partitions, [&](partition& p) {
                s.i32(p.partition_index);
                s.i16(p.error_code);
                s.i64(p.high_watermark);
                if (s.v >= 4) s.i64(p.last_stable_offset);
                if (s.v >= 5) s.i64(p.log_start_offset);
                if (s.v >= 4)
                    s.narray(p.aborted_transactions, [&](aborted& a) {
                        s.i64(a.producer_id);
                        s.i64(a.first_offset);
                    });
                if (s.v >= 11) s.i32(p.preferred_read_replica);
                s.records(p.records);
            });
        });
        s.tags();
    }
};

// ---------------------------------------------------------------- ListOffsets (2)
struct list_offsets_request {
    struct partition {
        int32_t partition_index = 0;
        int32_t current_leader_epoch = -1;
        int64_t timestamp = 0;
        int32_t max_num_offsets = 1;
    };
    struct topic {
        std::string name;
        std::vector<partition> partitions;
    };
    int32_t replica_id = -1;
    int8_t isolation_level = 0;
    std::vector<topic> topics;
    template <class S> void serde(S& s) {
        s.i32(replica_id);
        if (s.v >= 2) s.i8(isolation_level);
        s.array(topics, [&](topic& t) {
            s.str(t.name);
            s.array(t.partitions, [&](partition& p) {
                s.i32(p.partition_index);
                if (s.v >= 4) s.i32(p.current_leader_epoch);
                s.i64(p.timestamp);
                if (s.v == 0) s.i32(p.max_num_offsets);
            });
        });
        s.tags();
    }
};
struct list_offsets_response {
    struct partition {
        int32_t partition_index = 0;
        int16_t error_code = 0;
        std::vector<int64_t> old_style_offsets;
        int64_t timestamp = -1;
        int64_t offset = -1;
        int32_t leader_epoch = -1;
    };
    struct topic {
        std::string name;
        std::vector<partition> partitions;
    };
    int32_t throttle_time_ms = 0;
    std::vector<topic> topics;
    template <class S> void serde(S& s) {
        if (s.v >= 2) s.i32(throttle_time_ms);
        s.array(topics, [&](topic& t) {
            s.str(t.name);
            s.array(t.partitions, [&](partition& p) {
                s.i32(p.partition_index);
                s.i16(p.error_code);
                if (s.v == 0) s.array_i64(p.old_style_offsets);
                if (s.v >= 1) {
                    s.i64(p.timestamp);
                    s.i64(p.offset);
                }
                if (s.v >= 4) s.i32(p.leader_epoch);
            });
        });
        s.tags();
    }
};

// ---------------------------------------------------------------- FindCoordinator (10)
struct find_coordinator_request {
    std::string key;
    int8_t key_type = 0; // 0 group, 1 transaction
    template <class S> void serde(S& s) {
        s.str(key);
        if (s.v >= 1) s.i8(key_type);
        s.tags();
    }
};
struct find_coordinator_response {
    int32_t throttle_time_ms = 0;
    int16_t error_code = 0;
    std::optional<std::string> error_message;
    int32_t node_id = 0;
    std::string host;
    int32_t port = 0;
    template <class S> void serde(S& s) {
        if (s.v >= 1) s.i32(throttle_time_ms);
        s.i16(error_code);
        if (s.v >= 1) s.nstr(error_message);
        s.i32(node_id);
        s.str(host);
        s.i32(port);
        s.tags();
    }
};

// ---------------------------------------------------------------- JoinGroup (11)
struct join_group_request {
    struct protocol {
        std::string name;
        std::string metadata;
    };
    std::string group_id;
    int32_t session_timeout_ms = 0;
    int32_t rebalance_timeout_ms = -1;
    std::string member_id;
    std::optional<std::string> group_instance_id;
    std::string protocol_type;
    std::vector<protocol> protocols;
    template <class S> void serde(S& s) {
        s.str(group_id);
        s.i32(session_timeout_ms);
        if (s.v >= 1) s.i32(rebalance_timeout_ms);
        s.str(member_id);
        if (s.v >= 5) s.nstr(group_instance_id);
        s.str(protocol_type);
        s.array(protocols, [&](protocol& p) {
            s.str(p.name);
            s.bytes(p.metadata);
        });
        s.tags();
    }
};
struct join_group_response {
    struct member {
        std::string member_id;
        std::optional<std::string> group_instance_id;
        std::string metadata;
    };
    int32_t throttle_time_ms = 0;
    int16_t error_code = 0;
    int32_t generation_id = -1;
    std::string protocol_name;
    std::string leader;
    std::string member_id;
    std::vector<member> members;
    template <class S> void serde(S& s) {
        if (s.v >= 2) s.i32(throttle_time_ms);
        s.i16(error_code);
        s.i32(generation_id);
        s.str(protocol_name);
        s.str(leader);
        s.str(member_id);
        s.array(members, [&](member& m) {
            s.str(m.member_id);
            if (s.v >= 5) s.nstr(m.group_instance_id);
            s.bytes(m.metadata);
        });
        s.tags();
    }
};

// ---------------------------------------------------------------- SyncGroup (14)
struct sync_group_request {
    struct assignment {
        std::string member_id;
        std::string assignment;
    };
    std::string group_id;
    int32_t generation_id = 0;
    std::string member_id;
    std::optional<std::string> group_instance_id;
    std::vector<assignment> assignments;
    template <class S> void serde(S& s) {
        s.str(group_id);
        s.i32(generation_id);
        s.str(member_id);
        if (s.v >= 3) s.nstr(group_instance_id);
        s.array(assignments, [&](assignment& a) {
            s.str(a.member_id);
            s.bytes(a.assignment);
        });
        s.tags();
    }
};
struct sync_group_response {
    int32_t throttle_time_ms = 0;
    int16_t error_code = 0;
    std::string assignment;
    template <class S> void serde(S& s) {
        if (s.v >= 1) s.i32(throttle_time_ms);
        s.i16(error_code);
        s.bytes(assignment);
        s.tags();
    }
};

// ---------------------------------------------------------------- Heartbeat (12)
struct heartbeat_request {
    std::string group_id;
    int32_t generation_id = 0;
    std::string member_id;
    std::optional<std::string> group_instance_id;
    template <class S> void serde(S& s) {
        s.str(group_id);
        s.i32(generation_id);
        s.str(member_id);
        if (s.v >= 3) s.nstr(group_instance_id);
        s.tags();
    }
};
struct heartbeat_response {
    int32_t throttle_time_ms = 0;
    int16_t error_code = 0;
    template <class S> void serde(S& s) {
        if (s.v >= 1) s.i32(throttle_time_ms);
        s.i16(error_code);
        s.tags();
    }
};

// ---------------------------------------------------------------- LeaveGroup (13)
struct leave_group_request {
    struct member {
        std::string member_id;
        std::optional<std::string> group_instance_id;
    };
    std::string group_id;
    std::string member_id;       // v0-2
    std::vector<member> members; // v3+
    template <class S> void serde(S& s) {
        s.str(group_id);
        if (s.v <= 2)
            s.str(member_id);
        else
            s.array(members, [&](member& m) {
                s.str(m.member_id);
                s.nstr(m.group_instance_id);
            });
        s.tags();
    }
};
struct leave_group_response {
    struct member {
        std::string member_id;
        std::optional<std::string> group_instance_id;
        int16_t error_code = 0;
    };
    int32_t throttle_time_ms = 0;
    int16_t error_code = 0;
    std::vector<member> members;
    template <class S> void serde(S& s) {
        if (s.v >= 1) s.i32(throttle_time_ms);
        s.i16(error_code);
        if (s.v >= 3)
            s.array(members, [&](member& m) {
                s.str(m.member_id);
                s.nstr(m.group_instance_id);
                s.i16(m.error_code);
            });
        s.tags();
    }
};

// ---------------------------------------------------------------- OffsetCommit (8)
struct offset_commit_request {
    struct partition {
        int32_t partition_index = 0;
        int64_t committed_offset = 0;
        int32_t committed_leader_epoch = -1;
        int64_t commit_timestamp = -1;
        std::optional<std::string> committed_metadata;
    };
    struct topic {
        std::string name;
        std::vector<partition> partitions;
    };
    std::string group_id;
    int32_t generation_id = -1;
    std::string member_id;
    std::optional<std::string> group_instance_id;
    int64_t retention_time_ms = -1;
    std::vector<topic> topics;
    template <class S> void serde(S& s) {
        s.str(group_id);
        if (s.v >= 1) {
            s.i32(generation_id);
            s.str(member_id);
        }
        if (s.v >= 7) s.nstr(group_instance_id);
        if (s.v >= 2 && s.v <= 4) s.i64(retention_time_ms);
        s.array(topics, [&](topic& t) {
            s.str(t.name);
            s.array(t.partitions, [&](partition& p) {
                s.i32(p.partition_index);
                s.i64(p.committed_offset);
                if (s.v >= 6) s.i32(p.committed_leader_epoch);
                if (s.v == 1) s.i64(p.commit_timestamp);
                s.nstr(p.committed_metadata);
            });
        });
        s.tags();
    }
};
struct offset_commit_response {
    struct partition {
        int32_t partition_index = 0;
        int16_t error_code = 0;
    };
    struct topic {
        std::string name;
        std::vector<partition> partitions;
    };
    int32_t throttle_time_ms = 0;
    std::vector<topic> topics;
    template <class S> void serde(S& s) {
        if (s.v >= 3) s.i32(throttle_time_ms);
        s.array(topics, [&](topic& t) {
            s.str(t.name);
            s.array(t.partitions, [&](partition& p) {
                s.i32(p.partition_index);
                s.i16(p.error_code);
            });
        });
        s.tags();
    }
};

// ---------------------------------------------------------------- OffsetFetch (9)
struct offset_fetch_request {
    struct topic {
        std::string name;
        std::vector<int32_t> partition_indexes;
    };
    std::string group_id;
    std::optional<std::vector<topic>> topics; // null = all (v2+)
    bool require_stable = false;
    template <class S> void serde(S& s) {
        s.str(group_id);
        auto fn = [&](topic& t) {
            s.str(t.name);
            s.array_i32(t.partition_indexes);
        };
        if (s.v >= 2)
            s.narray(topics, fn);
        else {
            if (!topics) topics.emplace();
            s.array(*topics, fn);
        }
        if (s.v >= 7) s.boolean(require_stable);
        s.tags();
    }
};
struct offset_fetch_response {
    struct partition {
        int32_t partition_index = 0;
        int64_t committed_offset = -1;
        int32_t committed_leader_epoch = -1;
        std::optional<std::string> metadata;
        int16_t error_code = 0;
    };
    struct topic {
        std::string name;
        std::vector<partition> partitions;
    };
    int32_t throttle_time_ms = 0;
    std::vector<topic> topics;
    int16_t error_code = 0;
    template <class S> void serde(S& s) {
        if (s.v >= 3) s.i32(throttle_time_ms);
        s.array(topics, [&](topic& t) {
            s.str(t.name);
            s.array(t.partitions, [&](partition& p) {
                s.i32(p.partition_index);
                s.i64(p.committed_offset);
                if (s.v >= 5) s.i32(p.committed_leader_epoch);
                s.nstr(p.metadata);
                s.i16(p.error_code);
            });
        });
        if (s.v >= 2) s.i16(error_code);
        s.tags();
    }
};

// ---------------------------------------------------------------- DescribeGroups (15)
struct describe_groups_request {
    std::vector<std::string> groups;
    bool include_authorized_operations = false;
    template <class S> void serde(S& s) {
        s.array_str(groups);
        if (s.v >= 3) s.boolean(include_authorized_operations);
        s.tags();
    }
};
struct describe_groups_response {
    struct member {
        std::string member_id;
        std::optional<std::string> group_instance_id;
        std::string client_id, client_host;
        std::string member_metadata, member_assignment;
    };
    struct group {
        int16_t error_code = 0;
        std::string group_id, group_state, protocol_type, protocol_data;
        std::vector<member> members;
        int32_t authorized_operations = no_authorized_operations;
    };
    int32_t throttle_time_ms = 0;
    std::vector<group> groups;
    template <class S> void serde(S& s) {
        if (s.v >= 1) s.i32(throttle_time_ms);
        s.array(groups, [&](group& g) {
            s.i16(g.error_code);
            s.str(g.group_id);
            s.str(g.group_state);
            s.str(g.protocol_type);
            s.str(g.protocol_data);
            s.array(g.members, [&](member& m) {
                s.str(m.member_id);
                if (s.v >= 4) s.nstr(m.group_instance_id);
                s.str(m.client_id);
                s.str(m.client_host);
                s.bytes(m.member_metadata);
                s.bytes(m.member_assignment);
            });
            if (s.v >= 3) s.i32(g.authorized_operations);
        });
        s.tags();
    }
};

// ---------------------------------------------------------------- ListGroups (16)
struct list_groups_request {
    std::vector<std::string> states_filter;
    template <class S> void serde(S& s) {
        if (s.v >= 4) s.array_str(states_filter);
        s.tags();
    }
};
struct list_groups_response {
    struct group {
        std::string group_id, protocol_type, group_state;
    };
    int32_t throttle_time_ms = 0;
    int16_t error_code = 0;
    std::vector<group> groups;
    template <class S> void serde(S& s) {
        if (s.v >= 1) s.i32(throttle_time_ms);
        s.i16(error_code);
        s.array(groups, [&](group& g) {
            s.str(g.group_id);
            s.str(g.protocol_type);
            if (s.v >= 4) s.str(g.group_state);
        });
        s.tags();
    }
};

// ---------------------------------------------------------------- DeleteGroups (42)
struct delete_groups_request {
    std::vector<std::string> groups_names;
    template <class S> void serde(S& s) {
        s.array_str(groups_names);
        s.tags();
    }
};
struct delete_groups_response {
    struct result {
        std::string group_id;
        int16_t error_code = 0;
    };
    int32_t throttle_time_ms = 0;
    std::vector<result> results;
    template <class S> void serde(S& s) {
        s.i32(throttle_time_ms);
        s.array(results, [&](result& r) {
            s.str(r.group_id);
            s.i16(r.error_code);
        });
        s.tags();
    }
};

// ---------------------------------------------------------------- CreateTopics (19)
struct create_topics_request {
    struct assignment {
        int32_t partition_index = 0;
        std::vector<int32_t> broker_ids;
    };
    struct config {
        std::string name;
        std::optional<std::string> value;
    };
    struct topic {
        std::string name;
        int32_t num_partitions = -1;
        int16_t replication_factor = -1;
        std::vector<assignment> assignments;
        std::vector<config> configs;
    };
    std::vector<topic> topics;
    int32_t timeout_ms = 60000;
    bool validate_only = false;
    template <class S> void serde(S& s) {
        s.array(topics, [&](topic& t) {
            s.str(t.name);
            s.i32(t.num_partitions);
            s.i16(t.replication_factor);
            s.array(t.assignments, [&](assignment& a) {
                s.i32(a.partition_index);
                s.array_i32(a.broker_ids);
            });
            s.array(t.configs, [&](config& c) {
                s.str(c.name);
                s.nstr(c.value);
            });
        });
        s.i32(timeout_ms);
        if (s.v >= 1) s.boolean(validate_only);
        s.tags();
    }
};
struct create_topics_response {
    struct topic {
        std::string name;
        int16_t error_code = 0;
        std::optional<std::string> error_message;
    };
    int32_t throttle_time_ms = 0;
    std::vector<topic> topics;
    template <class S> void serde(S& s) {
        if (s.v >= 2) s.i32(throttle_time_ms);
        s.array(topics, [&](topic& t) {
            s.str(t.name);
            s.i16(t.error_code);
            if (s.v >= 1) s.nstr(t.error_message);
        });
        s.tags();
    }
};

// ---------------------------------------------------------------- DeleteTopics (20)
struct delete_topics_request {
    std::vector<std::string> topic_names;
    int32_t timeout_ms = 0;
    template <class S> void serde(S& s) {
        s.array_str(topic_names);
        s.i32(timeout_ms);
        s.tags();
    }
};
struct delete_topics_response {
    struct result {
        std::string name;
        int16_t error_code = 0;
    };
    int32_t throttle_time_ms = 0;
    std::vector<result> responses;
    template <class S> void serde(S& s) {
        if (s.v >= 1) s.i32(throttle_time_ms);
        s.array(responses, [&](result& r) {
            s.str(r.name);
            s.i16(r.error_code);
        });
        s.tags();
    }
};

// ---------------------------------------------------------------- DeleteRecords (21)
struct delete_records_request {
    struct partition {
        int32_t partition_index = 0;
        int64_t offset = 0;
    };
    struct topic {
        std::string name;
        std::vector<partition> partitions;
    };
    std::vector<topic> topics;
    int32_t timeout_ms = 0;
    template <class S> void serde(S& s) {
        s.array(topics, [&](topic& t) {
            s.str(t.name);
            s.array(t.partitions, [&](partition& p) {
                s.i32(p.partition_index);
                s.i64(p.offset);
            });
        });
        s.i32(timeout_ms);
        s.tags();
    }
};
struct delete_records_response {
    struct partition {
        int32_t partition_index = 0;
        int64_t low_watermark = -1;
        int16_t error_code = 0;
    };
    struct topic {
        std::string name;
        std::vector<partition> partitions;
    };
    int32_t throttle_time_ms = 0;
    std::vector<topic> topics;
    template <class S> void serde(S& s) {
        s.i32(throttle_time_ms);
        s.array(topics, [&](topic& t) {
            s.str(t.name);
            s.array(t.partitions, [&](partition& p) {
                s.i32(p.partition_index);
                s.i64(p.low_watermark);
                s.i16(p.error_code);
            });
        });
        s.tags();
    }
};

// ---------------------------------------------------------------- InitProducerId (22)
struct init_producer_id_request {
    std::optional<std::string> transactional_id;
    int32_t transaction_timeout_ms = 0;
    int64_t producer_id = -1;
    int16_t producer_epoch = -1;
    template <class S> void serde(S& s) {
        s.nstr(transactional_id);
        s.i32(transaction_timeout_ms);
        if (s.v >= 3) {
            s.i64(producer_id);
            s.i16(producer_epoch);
        }
        s.tags();
    }
};
struct init_producer_id_response {
    int32_t throttle_time_ms = 0;
    int16_t error_code = 0;
    int64_t producer_id = -1;
    int16_t producer_epoch = -1;
    template <class S> void serde(S& s) {
        s.i32(throttle_time_ms);
        s.i16(error_code);
        s.i64(producer_id);
        s.i16(producer_epoch);
        s.tags();
    }
};

// ---------------------------------------------------------------- OffsetForLeaderEpoch (23)
struct offset_for_leader_epoch_request {
    struct partition {
        int32_t partition = 0;
        int32_t current_leader_epoch = -1;
        int32_t leader_epoch = 0;
    };
    struct topic {
        std::string topic;
        std::vector<partition> partitions;
    };
    int32_t replica_id = -2;
    std::vector<topic> topics;
    template <class S> void serde(S& s) {
        if (s.v >= 3) s.i32(replica_id);
        s.array(topics, [&](topic& t) {
            s.str(t.topic);
            s.array(t.partitions, [&](partition& p) {
                s.i32(p.partition);
                if (s.v >= 2) s.i32(p.current_leader_epoch);
                s.i32(p.leader_epoch);
            });
        });
        s.tags();
    }
};
struct offset_for_leader_epoch_response {
    struct partition {
        int16_t error_code = 0;
        int32_t partition = 0;
        int32_t leader_epoch = -1;
        int64_t end_offset = -1;
    };
    struct topic {
        std::string topic;
        std::vector<partition> partitions;
    };
    int32_t throttle_time_ms = 0;
    std::vector<topic> topics;
    template <class S> void serde(S& s) {
        if (s.v >= 2) s.i32(throttle_time_ms);
        s.array(topics, [&](topic& t) {
            s.str(t.topic);
            s.array(t.partitions, [&](partition& p) {
                s.i16(p.error_code);
                s.i32(p.partition);
                if (s.v >= 1) s.i32(p.leader_epoch);
                s.i64(p.end_offset);
            });
        });
        s.tags();
    }
};

// ---------------------------------------------------------------- AddPartitionsToTxn (24)
struct add_partitions_to_txn_request {
    struct topic {
        std::string name;
        std::vector<int32_t> partitions;
    };
    std::string transactional_id;
    int64_t producer_id = -1;
    int16_t producer_epoch = -1;
    std::vector<topic> topics;
    template <class S> void serde(S& s) {
        s.str(transactional_id);
        s.i64(producer_id);
        s.i16(producer_epoch);
        s.array(topics, [&](topic& t) {
            s.str(t.name);
            s.array_i32(t.partitions);
        });
        s.tags();
    }
};
struct add_partitions_to_txn_response {
    struct partition {
        int32_t partition_index = 0;
        int16_t error_code = 0;
    };
    struct topic {
        std::string name;
        std::vector<partition> partitions;
    };
    int32_t throttle_time_ms = 0;
    std::vector<topic> results;
    template <class S> void serde(S& s) {
        s.i32(throttle_time_ms);
        s.array(results, [&](topic& t) {
            s.str(t.name);
            s.array(t.partitions, [&](partition& p) {
                s.i32(p.partition_index);
                s.i16(p.error_code);
            });
        });
        s.tags();
    }
};

// ---------------------------------------------------------------- AddOffsetsToTxn (25)
struct add_offsets_to_txn_request {
    std::string transactional_id;
    int64_t producer_id = -1;
    int16_t producer_epoch = -1;
    std::string group_id;
    template <class S> void serde(S& s) {
        s.str(transactional_id);
        s.i64(producer_id);
        s.i16(producer_epoch);
        s.str(group_id);
        s.tags();
    }
};
struct add_offsets_to_txn_response {
    int32_t throttle_time_ms = 0;
    int16_t error_code = 0;
    template <class S> void serde(S& s) {
        s.i32(throttle_time_ms);
        s.i16(error_code);
        s.tags();
    }
};

// ---------------------------------------------------------------- EndTxn (26)
struct end_txn_request {
    std::string transactional_id;
    int64_t producer_id = -1;
    int16_t producer_epoch = -1;
    bool committed = false;
    template <class S> void serde(S& s) {
        s.str(transactional_id);
        s.i64(producer_id);
        s.i16(producer_epoch);
        s.boolean(committed);
        s.tags();
    }
};
struct end_txn_response {
    int32_t throttle_time_ms = 0;
    int16_t error_code = 0;
    template <class S> void serde(S& s) {
        s.i32(throttle_time_ms);
        s.i16(error_code);
        s.tags();
    }
};

// ---------------------------------------------------------------- TxnOffsetCommit (28)
struct txn_offset_commit_request {
    struct partition {
        int32_t partition_index = 0;
        int64_t committed_offset = 0;
        int32_t committed_leader_epoch = -1;
        std::optional<std::string> committed_metadata;
    };
    struct topic {
        std::string name;
        std::vector<partition> partitions;
    };
    std::string transactional_id;
    std::string group_id;
    int64_t producer_id = -1;
    int16_t producer_epoch = -1;
    int32_t generation_id = -1;
    std::string member_id;
    std::optional<std::string> group_instance_id;
    std::vector<topic> topics;
    template <class S> void serde(S& s) {
        s.str(transactional_id);
        s.str(group_id);
        s.i64(producer_id);
        s.i16(producer_epoch);
        if (s.v >= 3) {
            s.i32(generation_id);
            s.str(member_id);
            s.nstr(group_instance_id);
        }
        s.array(topics, [&](topic& t) {
            s.str(t.name);
            s.array(t.partitions, [&](partition& p) {
                s.i32(p.partition_index);
                s.i64(p.committed_offset);
                if (s.v >= 2) s.i32(p.committed_leader_epoch);
                s.nstr(p.committed_metadata);
            });
        });
        s.tags();
    }
};
struct txn_offset_commit_response {
    struct partition {
        int32_t partition_index = 0;
        int16_t error_code = 0;
    };
    struct topic {
        std::string name;
        std::vector<partition> partitions;
    };
    int32_t throttle_time_ms = 0;
    std::vector<topic> topics;
    template <class S> void serde(S& s) {
        s.i32(throttle_time_ms);
        s.array(topics, [&](topic& t) {
            s.str(t.name);
            s.array(t.partitions, [&](partition& p) {
                s.i32(p.partition_index);
                s.i16(p.error_code);
            });
        });
        s.tags();
    }
};

// ---------------------------------------------------------------- DescribeConfigs (32)
inline constexpr int8_t resource_topic = 2;
inline constexpr int8_t resource_broker = 4;

struct describe_configs_request {
    struct resource {
        int8_t resource_type = 0;
        std::string resource_name;
        std::optional<std::vector<std::string>> configuration_keys;
    };
    std::vector<resource> resources;
    bool include_synonyms = false;
    bool include_documentation = false;
    template <class S> void serde(S& s) {
        s.array(resources, [&](resource& r) {
            s.i8(r.resource_type);
            s.str(r.resource_name);
            s.narray_str(r.configuration_keys);
        });
        if (s.v >= 1) s.boolean(include_synonyms);
        if (s.v >= 3) s.boolean(include_documentation);
        s.tags();
    }
};
struct describe_configs_response {
    struct synonym {
        std::string name;
        std::optional<std::string> value;
        int8_t source = 0;
    };
    struct config {
        std::string name;
        std::optional<std::string> value;
        bool read_only = false;
        bool is_default = false; // v0
        int8_t config_source = -1;
        bool is_sensitive = false;
        std::vector<synonym> synonyms;
        int8_t config_type = 0;
        std::optional<std::string> documentation;
    };
    struct result {
        int16_t error_code = 0;
        std::optional<std::string> error_message;
        int8_t resource_type = 0;
        std::string resource_name;
        std::vector<config> configs;
    };
    int32_t throttle_time_ms = 0;
    std::vector<result> results;
    template <class S> void serde(S& s) {
        s.i32(throttle_time_ms);
        s.array(results, [&](result& r) {
            s.i16(r.error_code);
            s.nstr(r.error_message);
            s.i8(r.resource_type);
            s.str(r.resource_name);
            s.array(r.configs, [&](config& c) {
                s.str(c.name);
                s.nstr(c.value);
                s.boolean(c.read_only);
                if (s.v == 0) s.boolean(c.is_default);
                if (s.v >= 1) s.i8(c.config_source);
                s.boolean(c.is_sensitive);
                if (s.v >= 1)
                    s.array(c.synonyms, [&](synonym& y) {
                        s.str(y.name);
                        s.nstr(y.value);
                        s.i8(y.source);
                    });
                if (s.v >= 3) {
                    s.i8(c.config_type);
                    s.nstr(c.documentation);
                }
            });
        });
        s.tags();
    }
};

// ---------------------------------------------------------------- AlterConfigs (33) / IncrementalAlterConfigs (44)
struct alter_configs_request {
    struct config {
        std::string name;
        int8_t config_operation = 0;
        std::optional<std::string> value;
    };
    struct resource {
        int8_t resource_type = 0;
        std::string resource_name;
        std::vector<config> configs;
    };
    std::vector<resource> resources;
    bool validate_only = false;
    bool incremental = false; // IncrementalAlterConfigs layout (operation per entry)
    template <class S> void serde(S& s) {
        s.array(resources, [&](resource& r) {
            s.i8(r.resource_type);
            s.str(r.resource_name);
            s.array(r.configs, [&](config& c) {
                s.str(c.name);
                if (incremental) s.i8(c.config_operation);
                s.nstr(c.value);
            });
        });
        s.boolean(validate_only);
        s.tags();
    }
};
struct alter_configs_response {
    struct response {
        int16_t error_code = 0;
        std::optional<std::string> error_message;
        int8_t resource_type = 0;
        std::string resource_name;
    };
    int32_t throttle_time_ms = 0;
    std::vector<response> responses;
    template <class S> void serde(S& s) {
        s.i32(throttle_time_ms);
        s.array(responses, [&](response& r) {
            s.i16(r.error_code);
            s.nstr(r.error_message);
            s.i8(r.resource_type);
            s.str(r.resource_name);
        });
        s.tags();
    }
};

// ---------------------------------------------------------------- CreatePartitions (37)
struct create_partitions_request {
    struct assignment {
        std::vector<int32_t> broker_ids;
    };
    struct topic {
        std::string name;
        int32_t count = 0;
        std::optional<std::vector<assignment>> assignments;
    };
    std::vector<topic> topics;
    int32_t timeout_ms = 0;
    bool validate_only = false;
    template <class S> void serde(S& s) {
        s.array(topics, [&](topic& t) {
            s.str(t.name);
            s.i32(t.count);
            s.narray(t.assignments, [&](assignment& a) { s.array_i32(a.broker_ids); });
        });
        s.i32(timeout_ms);
        s.boolean(validate_only);
        s.tags();
    }
};
struct create_partitions_response {
    struct result {
        std::string name;
        int16_t error_code = 0;
        std::optional<std::string> error_message;
    };
    int32_t throttle_time_ms = 0;
    std::vector<result> results;
    template <class S> void serde(S& s) {
        s.i32(throttle_time_ms);
        s.array(results, [&](result& r) {
            s.str(r.name);
            s.i16(r.error_code);
            s.nstr(r.error_message);
        });
        s.tags();
    }
};

// ---------------------------------------------------------------- DescribeCluster (60)
struct describe_cluster_request {
    bool include_cluster_authorized_operations = false;
    template <class S> void serde(S& s) {
        s.boolean(include_cluster_authorized_operations);
        s.tags();
    }
};
struct describe_cluster_response {
    struct broker {
        int32_t broker_id = 0;
        std::string host;
        int32_t port = 0;
        std::optional<std::string> rack;
    };
    int32_t throttle_time_ms = 0;
    int16_t error_code = 0;
    std::optional<std::string> error_message;
    std::string cluster_id;
    int32_t controller_id = -1;
    std::vector<broker> brokers;
    int32_t cluster_authorized_operations = no_authorized_operations;
    template <class S> void serde(S& s) {
        s.i32(throttle_time_ms);
        s.i16(error_code);
        s.nstr(error_message);
        s.str(cluster_id);
        s.i32(controller_id);
        s.array(brokers, [&](broker& b) {
            s.i32(b.broker_id);
            s.str(b.host);
            s.i32(b.port);
            s.nstr(b.rack);
        });
        s.i32(cluster_authorized_operations);
        s.tags();
    }
};

} // namespace ferry::broker::proto

namespace ferry::broker::proto {
// IncrementalAlterConfigs (44): AlterConfigs' layout plus an operation per entry.
struct incremental_alter_configs_request : alter_configs_request {
    incremental_alter_configs_request() { incremental = true; }
};
inline constexpr int8_t config_op_set = 0;
inline constexpr int8_t config_op_delete = 1;
inline constexpr int8_t config_op_append = 2;
inline constexpr int8_t config_op_subtract = 3;
} // namespace ferry::broker::proto
