#include "parley/storage/statements.hpp"

#include <pqxx/pqxx>

namespace parley::storage {

namespace {

constexpr std::size_t kStatements = static_cast<std::size_t>(Statement::kCount);

struct Definition {
  const char* name;
  const char* sql;
};

constexpr std::array<Definition, kStatements> kDefinitions = {{
    {"send_batch", "SELECT * FROM parley_send_batch($1::jsonb)"},
    {"insert_events",
     "INSERT INTO channel_events (channel_pk, seq, type, payload) "
     "SELECT x.channel_pk, x.seq, x.type, x.payload "
     "FROM jsonb_to_recordset($1::jsonb) AS x(channel_pk bigint, seq bigint, type text, payload jsonb)"},
}};

std::array<std::atomic<std::uint64_t>, kStatements> counts{};

}  // namespace

const char* statement_name(Statement s) { return kDefinitions[static_cast<std::size_t>(s)].name; }

void prepare_statements(pqxx::connection& c) {
  for (const auto& d : kDefinitions) c.prepare(d.name, d.sql);
}

std::uint64_t statement_count(Statement s) {
  return counts[static_cast<std::size_t>(s)].load(std::memory_order_relaxed);
}

void count_statement(Statement s) { counts[static_cast<std::size_t>(s)].fetch_add(1, std::memory_order_relaxed); }

}  // namespace parley::storage
